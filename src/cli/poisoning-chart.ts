import {
  barRect,
  bottomMarginFor,
  leftMarginFor,
  linearScale,
  niceDomain,
  numericTicks,
  renderAxes,
  svgDocument,
  turnedLabelReach,
} from '@lib/svg-chart';

/** What the chart needs of a poisoning scenario's summary (poisoning-report.ts, poisoning.json `summary`). */
export interface PoisoningChartRow {
  readonly attack: string;
  readonly size: number;
  readonly hitShiftUndefended: number;
  readonly hitShiftDefended: number;
}

/**
 * Grouped bars per scenario (attack × size): the target's hit@20 shift among
 * real users, undefended (red) and defended (green), in percentage points.
 * Shifts can be negative (the attack made the target rarer): those bars go
 * down from the zero line.
 */
export function poisoningSvg(summary: readonly PoisoningChartRow[]): string {
  const pp = (v: number): number => 100 * v;
  const values = summary.flatMap((s) => [pp(s.hitShiftUndefended), pp(s.hitShiftDefended)]);
  const domain = niceDomain(Math.min(0, ...values), Math.max(0.1, ...values), 5);
  const yTicks = numericTicks(domain);
  const yTitle = 'target hit@20 shift (percentage points)';
  const left = leftMarginFor({ ticks: yTicks, title: yTitle });
  const slot = 74;
  const labels = summary.map((s) => `${s.attack} ${(100 * s.size).toFixed(0)}%`);
  const reach = Math.max(20, ...labels.map((l) => turnedLabelReach(l) - slot / 2 + 10));
  const width = Math.ceil(Math.max(560, left + summary.length * slot + reach));
  const top = 50;
  const plotHeight = 240;
  const xAxis = {
    ticks: labels.map((label, k) => ({ value: k + 0.5, label })),
    title: 'attack model and size (share of real users)',
    rotateLabels: true,
  };
  const height = top + plotHeight + bottomMarginFor(xAxis);
  const doc = svgDocument(width, height, 'Target hit@20 shift among real users, by attack and size');
  const frame = { left, top, width: summary.length * slot, height: plotHeight };
  const y = linearScale(domain.lo, domain.hi, top + plotHeight, top);
  const x = linearScale(0, Math.max(1, summary.length), left, left + frame.width);
  const axes = renderAxes(frame, {
    y: { scale: y, ticks: yTicks, title: yTitle, grid: true },
    x: { scale: x, ...xAxis },
  });
  const bars = summary.flatMap((s, k) => {
    const x0 = x.at(k) + 12;
    return [
      barRect(y, pp(s.hitShiftUndefended), x0, 24, 'fill="#d9534f"'),
      barRect(y, pp(s.hitShiftDefended), x0 + 26, 24, 'fill="#5cb85c"'),
    ];
  });
  const legendY = top - 12;
  return [
    doc.open,
    axes.svg,
    ...bars,
    `<rect x="${left}" y="${legendY - 9}" width="10" height="10" fill="#d9534f"/>`,
    `<text x="${left + 14}" y="${legendY}">undefended</text>`,
    `<rect x="${left + 110}" y="${legendY - 9}" width="10" height="10" fill="#5cb85c"/>`,
    `<text x="${left + 124}" y="${legendY}">defended (quarantined accounts removed)</text>`,
    doc.close,
  ].join('\n');
}
