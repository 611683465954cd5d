import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ONLINE_TRAFFIC_TABLES } from '@modules/interactions';
import { FAIRNESS_DIMENSIONS, FairnessAudit } from '../audit/offline-audit';
import { OnlineFairnessAudit } from '../audit/online-audit';
import { barChart, lineChart } from './svg-charts';

export interface FairnessReportMeta {
  /** File-name-safe model label (registry id or artifact directory name). */
  readonly model: string;
  readonly recipe: { readonly modelType: string; readonly params: Record<string, unknown>; readonly seed: number };
  /** Where the audited dataset came from (snapshot id, or the synthetic world and its parameters). */
  readonly dataset: string;
  /** How the audited scorer relates to the artifact (retrained recipe on the holdout's past, or the artifact as is). */
  readonly scorer: string;
  readonly maxQualityGap: number;
  readonly passed: boolean;
  readonly command: string;
  readonly generatedAt: string;
}

export interface WrittenFairnessReport {
  readonly markdownPath: string;
  readonly jsonPath: string;
  readonly plots: readonly string[];
}

const f = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Writes audits/fairness-<model>.md, .json and SVG plots (per-group bars with CI whiskers; exposure Lorenz curve). */
export async function writeFairnessReport(
  audit: FairnessAudit,
  meta: FairnessReportMeta,
  outDir: string,
): Promise<WrittenFairnessReport> {
  await fs.mkdir(outDir, { recursive: true });
  const base = `fairness-${meta.model.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  const plots: string[] = [];
  const plot = async (suffix: string, svg: string) => {
    const file = `${base}-${suffix}.svg`;
    await fs.writeFile(path.join(outDir, file), svg);
    plots.push(file);
    return file;
  };

  const lines: string[] = [
    `# Fairness audit — ${meta.model}`,
    '',
    `Generated ${meta.generatedAt} by \`${meta.command}\`.`,
    '',
    `- Model recipe: \`${meta.recipe.modelType}\` seed ${meta.recipe.seed}, params \`${JSON.stringify(meta.recipe.params)}\``,
    `- Dataset: ${meta.dataset}`,
    `- Audited scorer: ${meta.scorer}`,
    `- Protocol: ${audit.split}; ${audit.users} holdout users with training history, full-catalog ranking, k = ${audit.k}.`,
    '',
    '## Verdict',
    '',
    `Largest NDCG@${audit.k} gap over the gated dimensions (${audit.gatedDimensions.join(', ')}): ` +
      `**${f(audit.qualityGap)}** (${audit.qualityGapDimension}; 95% bootstrap CI ${f(audit.gapCi[0])}–${f(audit.gapCi[1])}). ` +
      `Bound (FAIRNESS_MAX_QUALITY_GAP, the policy's gates.fairness.max_quality_gap): ${meta.maxQualityGap}. ` +
      `Gate: **${meta.passed ? 'PASS' : 'FAIL'}**.`,
    '',
    'Groups with fewer than ' +
      `${audit.quality.gender.minGroupSize} users are listed but do not take part in the gap. The gap interval is a ` +
      'percentile bootstrap (each group resampled independently, seeded); it is wide when groups are small, and ' +
      'because max − min over noisy group means is biased upwards under resampling, the point estimate can sit near ' +
      'the lower end of it: read the upper end as a conservative bound.',
    '',
    '## Recommendation quality per user group',
    '',
  ];
  for (const d of FAIRNESS_DIMENSIONS) {
    const q = audit.quality[d];
    const r = audit.recall[d];
    const file = await plot(
      `quality-${d}`,
      barChart({
        title: `NDCG@${audit.k} by ${d} (95% CI) — ${meta.model}`,
        xLabel: d,
        yLabel: `NDCG@${audit.k}`,
        bars: q.groups.map((g) => ({ label: `${g.group} (n=${g.users})`, value: g.mean, ci: g.ci })),
      }),
    );
    lines.push(
      `### ${d}${audit.gatedDimensions.includes(d) ? '' : ' (reported, not gated)'}`,
      '',
      `Gap ${f(q.gap)} (best ${q.best}, worst ${q.worst}; CI ${f(q.gapCi[0])}–${f(q.gapCi[1])}). Recall@${audit.k} gap ${f(r.gap)}.`,
      '',
      `![NDCG by ${d}](${file})`,
      '',
      `| group | users | NDCG@${audit.k} | 95% CI | recall@${audit.k} |`,
      '| --- | ---: | ---: | --- | ---: |',
      ...q.groups.map(
        (g, j) =>
          `| ${cell(g.group)}${g.users < q.minGroupSize ? ' (small)' : ''} | ${g.users} | ${f(g.mean)} | ${f(g.ci[0])}–${f(g.ci[1])} | ${f(r.groups[j].mean)} |`,
      ),
      '',
    );
  }

  const e = audit.exposure;
  const lorenz = await plot(
    'lorenz',
    lineChart({
      title: `Exposure Lorenz curve — ${meta.model} (Gini ${e.gini.toFixed(3)})`,
      xLabel: 'share of movies (least exposed first)',
      yLabel: 'share of exposure',
      series: [
        { label: 'recommendations', points: e.lorenz },
        {
          label: 'equal exposure',
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
          dashed: true,
        },
      ],
    }),
  );
  const genres = await plot(
    'genres',
    barChart({
      title: 'Exposure share ÷ catalog share per genre (1 = proportional)',
      xLabel: 'genre',
      yLabel: 'exposure / catalog share',
      bars: e.genres.map((g) => ({ label: g.category, value: g.ratio })),
      reference: { value: 1, label: 'proportional' },
    }),
  );
  const p = audit.popularityBias;
  lines.push(
    '## Item-side exposure',
    '',
    `${e.lists} recommendation lists, ${e.impressions} impressions.`,
    '',
    '| indicator | value |',
    '| --- | ---: |',
    `| Gini of exposure | ${f(e.gini, 3)} |`,
    `| share of exposure to the top 1% of movies | ${pct(e.top1Share)} |`,
    `| share of exposure to the top 10% of movies | ${pct(e.top10Share)} |`,
    `| catalog coverage (shown at least once) | ${pct(e.coverage)} |`,
    `| long-tail coverage (outside the 20% most popular; ${e.longTail.tailItems} movies) | ${pct(e.longTail.coverage)} |`,
    `| long-tail share of exposure | ${pct(e.longTail.exposureShare)} |`,
    '',
    `![Lorenz curve](${lorenz})`,
    '',
    `![Exposure per genre](${genres})`,
    '',
    '| genre | exposure share | catalog share | ratio |',
    '| --- | ---: | ---: | ---: |',
    ...e.genres.map(
      (g) => `| ${cell(g.category)} | ${pct(g.exposureShare)} | ${pct(g.catalogShare)} | ${f(g.ratio, 2)} |`,
    ),
    '',
    '| release period | exposure share | catalog share | ratio |',
    '| --- | ---: | ---: | ---: |',
    ...e.periods.map(
      (g) => `| ${cell(g.category)} | ${pct(g.exposureShare)} | ${pct(g.catalogShare)} | ${f(g.ratio, 2)} |`,
    ),
    '',
    '## Popularity bias',
    '',
    `Mean popularity (share of training users who interacted) of recommended movies ${f(p.recommended)} vs. ` +
      `${f(p.history)} for the movies in the users' own histories: recommendations are ` +
      `${p.relativeLift >= 0 ? `${pct(p.relativeLift)} more` : `${pct(-p.relativeLift)} less`} mainstream than ` +
      `the users (over ${p.users} users; Abdollahpouri et al. 2019).`,
    '',
  );

  const markdownPath = path.join(outDir, `${base}.md`);
  const jsonPath = path.join(outDir, `${base}.json`);
  await fs.writeFile(markdownPath, lines.join('\n'));
  await fs.writeFile(jsonPath, JSON.stringify({ meta, audit }, null, 2) + '\n');
  return { markdownPath, jsonPath, plots };
}

/** Writes audits/fairness-online-<window end>.md and .json for an audit of logged traffic. */
export async function writeOnlineFairnessReport(
  audit: OnlineFairnessAudit,
  meta: { readonly since: string; readonly until: string; readonly command: string; readonly generatedAt: string },
  outDir: string,
): Promise<WrittenFairnessReport> {
  await fs.mkdir(outDir, { recursive: true });
  const base = `fairness-online-${meta.until.replace(/[:.]/g, '-')}`;
  const e = audit.exposure;
  const lines = [
    `# Fairness of live traffic — ${meta.since} to ${meta.until}`,
    '',
    `Generated ${meta.generatedAt} by \`${meta.command}\` from ${ONLINE_TRAFFIC_TABLES}.`,
    '',
    `${audit.lists} served lists to ${audit.users} users; conversion (a listed movie started within 24 h) ${pct(audit.conversion)}.`,
    '',
    '## Conversion per user group',
    '',
  ];
  for (const d of FAIRNESS_DIMENSIONS) {
    const q = audit.conversionByGroup[d];
    lines.push(
      `### ${d}`,
      '',
      `Gap ${f(q.gap)} (best ${q.best}, worst ${q.worst}; CI ${f(q.gapCi[0])}–${f(q.gapCi[1])}).`,
      '',
      '| group | users | conversion | 95% CI |',
      '| --- | ---: | ---: | --- |',
      ...q.groups.map((g) => `| ${cell(g.group)} | ${g.users} | ${f(g.mean)} | ${f(g.ci[0])}–${f(g.ci[1])} |`),
      '',
    );
  }
  lines.push(
    '## Exposure',
    '',
    '| indicator | value |',
    '| --- | ---: |',
    `| Gini of exposure | ${f(e.gini, 3)} |`,
    `| top 1% / top 10% share | ${pct(e.top1Share)} / ${pct(e.top10Share)} |`,
    `| catalog coverage | ${pct(e.coverage)} |`,
    `| long-tail coverage / share | ${pct(e.longTail.coverage)} / ${pct(e.longTail.exposureShare)} |`,
    `| popularity of shown vs. watched (lift) | ${f(audit.popularityBias.recommended)} vs. ${f(audit.popularityBias.history)} (${pct(audit.popularityBias.relativeLift)}) |`,
    '',
  );
  const markdownPath = path.join(outDir, `${base}.md`);
  const jsonPath = path.join(outDir, `${base}.json`);
  await fs.writeFile(markdownPath, lines.join('\n'));
  await fs.writeFile(jsonPath, JSON.stringify({ meta, audit }, null, 2) + '\n');
  return { markdownPath, jsonPath, plots: [] };
}
