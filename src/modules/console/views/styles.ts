/**
 * The console's stylesheet, inlined into every page: the service's CSP
 * (security module) allows inline styles and nothing else, and one small sheet
 * costs less than a second request. System fonts only; nothing loaded at run time.
 * Colours pass WCAG AA contrast; state is always written out, never colour alone.
 */
export const CONSOLE_CSS = `
:root {
  --fg: #1b1f24; --muted: #545d68; --bg: #ffffff; --panel: #f5f7f9; --line: #d0d7de;
  --accent: #0b5cad; --accent-fg: #ffffff; --ok: #176f2c; --ok-bg: #e6f4ea; --bad: #a4141b; --bad-bg: #fdecec;
  --warn: #7a4d00; --warn-bg: #fff4d6; --focus: #ffbf47;
}
* { box-sizing: border-box; }
html { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: .9em; overflow-wrap: anywhere; }
tbody td:first-child { white-space: nowrap; }
.skip { position: absolute; left: -999px; top: 0; background: var(--fg); color: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 0; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1.25rem;
  background: #14213d; color: #fff; }
header.top .brand { font-weight: 700; font-size: 1.1rem; color: #fff; text-decoration: none; }
header.top nav ul { display: flex; flex-wrap: wrap; gap: .25rem; list-style: none; margin: 0; padding: 0; }
header.top nav a { display: block; color: #fff; padding: .35rem .7rem; border-radius: 4px; text-decoration: none; }
header.top nav a:hover { background: rgba(255,255,255,.12); }
header.top nav a[aria-current="page"] { background: #fff; color: #14213d; font-weight: 600; }
header.top .who { margin-left: auto; display: flex; align-items: center; gap: .75rem; font-size: .9rem; }
header.top .who form { margin: 0; }
header.top .who button { background: transparent; color: #fff; border: 1px solid #fff; }
main { padding: 1rem 1.25rem 3rem; max-width: 1200px; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; padding-bottom: .25rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
p.lead { color: var(--muted); margin-top: -.5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--panel); border-bottom: 2px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.badge.ok { color: var(--ok); background: var(--ok-bg); }
.badge.bad { color: var(--bad); background: var(--bad-bg); }
.badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.neutral { color: var(--muted); background: var(--panel); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
.notice { border-left: 5px solid var(--accent); }
.notice.ok { border-left-color: var(--ok); background: var(--ok-bg); }
.notice.bad { border-left-color: var(--bad); background: var(--bad-bg); }
.notice h2, .notice h3 { margin-top: 0; border: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: .75rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
.card .value { font-size: 1.4rem; font-weight: 700; }
.card .value code { font-size: 1rem; }
.card .label { color: var(--muted); font-size: .85rem; }
form.inline { display: inline; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin: .5rem 0 1rem; }
.field { display: flex; flex-direction: column; gap: .2rem; margin: 0 0 .75rem; }
.field label, form.filters label { font-weight: 600; font-size: .9rem; }
.field .hint { color: var(--muted); font-size: .85rem; }
form.filters .field { margin: 0; }
input[type=text], input[type=password], select, textarea { font: inherit; padding: .35rem .5rem; border: 1px solid #8c959f;
  border-radius: 4px; background: #fff; color: var(--fg); min-width: 12rem; }
textarea { width: 100%; min-height: 5rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem 1rem; margin: 1rem 0; }
legend { font-weight: 600; padding: 0 .3rem; }
.check { display: flex; gap: .5rem; align-items: center; margin: .5rem 0; }
button, .button { font: inherit; font-weight: 600; padding: .4rem .9rem; border-radius: 4px; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-fg); cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
.pager { display: flex; gap: 1rem; align-items: center; margin: .5rem 0 1rem; }
.muted { color: var(--muted); }
ul.reasons { margin: .25rem 0 .5rem 1.25rem; padding: 0; }
form.panel { max-width: 46rem; }
figure { margin: .75rem 0 1rem; }
figcaption { font-weight: 600; font-size: .9rem; margin-bottom: .25rem; }
.chart { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.chart text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: var(--fg); }
.report { border: 1px solid var(--line); border-radius: 6px; padding: 0 1rem 1rem; }
.report h2 { font-size: 1.05rem; }
.report td { overflow-wrap: anywhere; white-space: normal; min-width: 4.5rem; }
.sign-in { max-width: 28rem; margin: 3rem auto; }
.sign-in input { width: 100%; }
tr.broken { outline: 3px solid var(--bad); outline-offset: -3px; background: var(--bad-bg); }
#anchor-in { width: 42rem; max-width: 100%; }
pre.payload { white-space: pre-wrap; word-break: break-word; margin: 0; font-size: .8rem; max-height: 12rem; overflow: auto; }
details summary { cursor: pointer; }
@media print {
  header.top, .skip, form, .pager, .no-print { display: none !important; }
  main { padding: 0; max-width: none; }
  a { color: inherit; text-decoration: none; }
  .report { border: 0; padding: 0; }
}
`;
