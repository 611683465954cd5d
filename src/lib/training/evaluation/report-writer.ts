import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TuningResult } from '../tuning/tuner';
import { ModelFigures, SplitFigures } from './offline-evaluation';
import { scatterPlot } from './svg-plot';

export interface OfflineReport {
  readonly snapshotId: string;
  readonly generatedAt: string;
  readonly codeVersion: { readonly commit: string; readonly dirty: boolean };
  readonly dataset: {
    readonly users: number;
    readonly movies: number;
    readonly interactions: number;
    readonly source: string;
  };
  readonly machine: { readonly cpus: number; readonly note: string };
  readonly splits: readonly SplitFigures[];
}

const nameOf = (m: ModelFigures): string => m.label ?? m.model;

/** The search behind a tuned model: budget, validation split, every trial. */
function renderTuning(name: string, t: TuningResult): string[] {
  const v = t.validation;
  const lines = [
    `### Tuning: ${name}`,
    '',
    `${t.method} (seed ${t.seed}), ${t.trials.length} trials in ${t.seconds.toFixed(1)} s, budget ${t.budget.trials} trials / ${t.budget.seconds} s, stopped by ${t.stoppedBy}. ` +
      `Validation: ${v.description}, carved from the ${v.sourceRows.toLocaleString('en')} training rows only ` +
      `(${v.trainRows.toLocaleString('en')} fit, ${v.validationRows.toLocaleString('en')} validation rows, ${v.validationUsers.toLocaleString('en')} users). ` +
      `Best: trial ${t.best.trial}, ${t.metric} ${f4(t.best.metric)}; trial 0 is the defaults.`,
    '',
    `| trial | ${t.metric} | seconds | status | parameters changed |`,
    '|---|---|---|---|---|',
  ];
  for (const trial of t.trials) {
    const mark = trial.trial === t.best.trial ? ' **best**' : '';
    lines.push(
      `| ${trial.trial}${mark} | ${f4(trial.metric)} | ${trial.seconds.toFixed(1)} | ${trial.status} | \`${JSON.stringify(trial.params)}\` |`,
    );
  }
  lines.push('');
  return lines;
}

const pct = (v: number) => (v * 100).toFixed(2);
const f4 = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(4));

/** Writes report.md, report.json and the two SVG plots into `dir`; returns the Markdown path. */
export async function writeOfflineReport(dir: string, report: OfflineReport): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'report.json'), JSON.stringify(report, null, 2));
  const headline = report.splits.find((s) => s.split === 'temporal') ?? report.splits[0];
  const plots: string[] = [];
  if (headline) {
    const k = headline.k;
    const points = (x: (m: SplitFigures['models'][number]) => number) =>
      headline.models.map((m) => ({ label: m.label ?? m.model, x: x(m), y: m.evaluation.warm.ndcg }));
    await fs.writeFile(
      path.join(dir, 'quality-vs-training-time.svg'),
      scatterPlot({
        title: `NDCG@${k} vs training time (${headline.split} split)`,
        xLabel: 'training time [s]',
        yLabel: `NDCG@${k}`,
        points: points((m) => Math.max(m.trainingSeconds, 0.01)),
        logX: true,
      }),
    );
    await fs.writeFile(
      path.join(dir, 'quality-vs-latency.svg'),
      scatterPlot({
        title: `NDCG@${k} vs single-user inference latency p99 (${headline.split} split)`,
        xLabel: 'latency p99 [ms]',
        yLabel: `NDCG@${k}`,
        points: points((m) => Math.max(m.evaluation.latencyMs.p99, 0.001)),
        logX: true,
      }),
    );
    plots.push('quality-vs-training-time.svg', 'quality-vs-latency.svg');
  }
  const md = renderMarkdown(report, plots);
  const file = path.join(dir, 'report.md');
  await fs.writeFile(file, md);
  return file;
}

export function renderMarkdown(report: OfflineReport, plots: readonly string[]): string {
  const lines: string[] = [];
  const d = report.dataset;
  lines.push(`# Offline evaluation — ${report.snapshotId}`, '');
  lines.push(
    `Generated ${report.generatedAt} from commit \`${report.codeVersion.commit.slice(0, 12)}\`${report.codeVersion.dirty ? ' (dirty tree)' : ''}.`,
    '',
    `Dataset: ${d.source}; ${d.users.toLocaleString('en')} users × ${d.movies.toLocaleString('en')} movies, ${d.interactions.toLocaleString('en')} interactions.`,
    `Machine: ${report.machine.cpus} CPUs. ${report.machine.note}`,
    '',
    'All metrics rank the **full catalog** for each user (no sampled negatives), excluding the user’s training items. ',
    'Recall = hits / |test items|; MAP@k normalised by min(|test|, k); coverage = distinct recommended items / catalog; ',
    '"mean pop." = mean share of training users who interacted with a recommended item (lower = less popular); ',
    'novelty = mean −log2(popularity) of recommended items. Latency = one `recommend()` call through the serving scorer ',
    '(artifact loaded with `loadScorer`), single thread. Peak memory = RSS growth during training (sampled at progress reports).',
    '',
  );
  if (report.splits.length) {
    const temporal = report.splits.find((s) => s.split === 'temporal') ?? report.splits[0];
    if (temporal) {
      const pop = temporal.models.find((m) => m.model === 'popularity' && !m.tuning);
      if (pop) {
        lines.push(`## Acceptance: learned models vs. popularity on NDCG@${temporal.k} (${temporal.split} split)`, '');
        for (const m of temporal.models) {
          if (m.model === 'popularity') continue;
          const delta = m.evaluation.warm.ndcg / pop.evaluation.warm.ndcg - 1;
          const ok = m.evaluation.warm.ndcg > pop.evaluation.warm.ndcg;
          lines.push(
            `- ${ok ? '✅' : '❌'} **${nameOf(m)}** ${f4(m.evaluation.warm.ndcg)} vs popularity ${f4(pop.evaluation.warm.ndcg)} (${delta >= 0 ? '+' : ''}${(delta * 100).toFixed(1)}%)`,
          );
        }
        lines.push('');
      }
    }
  }
  for (const s of report.splits) {
    lines.push(
      `## Split: ${s.split}`,
      '',
      `${s.description}. Train rows ${s.trainRows.toLocaleString('en')}, test rows ${s.testRows.toLocaleString('en')}; `,
    );
    lines.push(
      `evaluated warm users ${s.warmUsers.toLocaleString('en')}, cold users ${s.coldUsers.toLocaleString('en')}; ${pct(s.coldItemTestShare)}% of test interactions are on movies unseen in training.`,
      '',
    );
    const k = s.k;
    lines.push(
      `| model | NDCG@${k} | recall@${k} | MAP@${k} | hit@${k} | coverage | mean pop. | novelty (bits) | RMSE | train [s] | peak mem [MB] | artifact [MB] | p50 [ms] | p99 [ms] |`,
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const m of s.models) {
      const e = m.evaluation;
      lines.push(
        `| ${nameOf(m)} | ${f4(e.warm.ndcg)} | ${f4(e.warm.recall)} | ${f4(e.warm.map)} | ${f4(e.warm.hitRate)} | ${pct(e.coverage)}% | ${f4(e.meanPopularity)} | ${e.noveltyBits.toFixed(2)} | ${f4(e.rmse)} | ${m.trainingSeconds.toFixed(1)} | ${m.peakMemoryMb.toFixed(0)} | ${(m.artifactBytes / 2 ** 20).toFixed(1)} | ${e.latencyMs.p50.toFixed(3)} | ${e.latencyMs.p99.toFixed(3)} |`,
      );
    }
    lines.push('', `Cold start (${s.split}):`, '');
    lines.push(
      `| model | cold users NDCG@${k} | cold users hit@${k} | served by popularity fallback | new-movie recall@${k} (warm users) |`,
      '|---|---|---|---|---|',
    );
    for (const m of s.models) {
      const e = m.evaluation;
      lines.push(
        `| ${nameOf(m)} | ${f4(e.coldUsers.ndcg)} | ${f4(e.coldUsers.hitRate)} | ${pct(e.coldUsers.fallbackShare)}% | ${f4(e.coldItems.recall)} (${e.coldItems.targets} targets) |`,
      );
    }
    lines.push('', 'Parameters:', '');
    for (const m of s.models) lines.push(`- ${nameOf(m)}: \`${JSON.stringify(m.params)}\``);
    lines.push('');
    for (const m of s.models) if (m.tuning) lines.push(...renderTuning(nameOf(m), m.tuning));
  }
  if (plots.length) {
    lines.push('## Plots', '');
    for (const p of plots) lines.push(`![${p}](${p})`, '');
  }
  return lines.join('\n');
}
