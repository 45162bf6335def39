/**
 * `mrlco baselines DIR --world W`: every decider (up front, online, references) in the same realisations
 * of a world, with its mean measured makespan, spread, gap to the clairvoyant bound and decision time.
 */
import type { Dataset } from '../../dag/io.js';
import type { ModelOptions } from '../../mec/problem.js';
import type { SystemParams } from '../../mec/system.js';
import { runWorldBaselines, type DeciderSummary } from '../../experiments/world-baselines.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { UsageError } from '../../util/errors.js';
import { deciderByName } from '../../world/deciders.js';
import { getBackend } from '../../nn/select-backend.js';
import { decidesOnline, type OffloadingPolicy } from '../../policy/policy.js';
import { PolicyDecider } from '../../rl/policy-decider.js';
import { World } from '../../world/world.js';
import { describeWorldSpec, type WorldSpec } from '../../world/spec.js';
import { progressBar, progressLine, type ProgressBar } from '../progress.js';
import { fixed, formatCsv, type Cell } from '../table.js';

/** The deciders `baselines --world` runs by default (the law-aware one added on a Markov channel). */
export const DEFAULT_WORLD_DECIDERS = [
  'clairvoyant',
  'local',
  'heft-rollout',
  'identified:heft-rollout',
  'online',
  'online:last',
  'online:live',
  'replan',
  'true-state',
];

export interface WorldBaselinesRun {
  dataset: Dataset;
  spec: WorldSpec;
  system: SystemParams;
  model: ModelOptions;
  deciders?: string[];
  episodes: number;
  seed: number;
  timeLimitS: number;
  /** The `policy` decider's policy (a checkpoint of a policy trained in a world). */
  policy?: OffloadingPolicy;
  json?: boolean;
  csv?: boolean;
  plans?: string;
}

export function worldBaselines(run: WorldBaselinesRun): void {
  const world = new World(run.spec, run.system);
  const names = run.deciders ?? [
    ...DEFAULT_WORLD_DECIDERS,
    ...(run.spec.links?.kind === 'markov' ? ['law'] : []),
  ];
  const deciders = names.map((name) => {
    if (name !== 'policy') return deciderByName(name);
    if (!run.policy)
      throw new UsageError('the policy decider needs a policy trained in a world (--policy CHECKPOINT)');
    if (run.policy.stepFeatures > 0 && !decidesOnline(run.policy.config))
      throw new UsageError(
        "--policy: this policy sees the latency model's state and decides up front; in a world, give one trained there (train --world)",
      );
    return new PolicyDecider(getBackend(), run.policy);
  });
  const { dataset, model } = run;
  const stream = !run.json && !run.csv;
  if (stream) {
    const n = world.nominal;
    console.log(
      `${dataset.name}: ${dataset.dags.length} DAGs × ${run.episodes} realisations, ${model.profile} profile; ` +
        `world: ${run.spec.name ?? describeWorldSpec(run.spec)}; nominal ${fixed(n.uplinkBps / 1e6)}/${fixed(n.downlinkBps / 1e6)} Mbit/s; seed ${run.seed}`,
    );
    console.log(line(COLUMNS.map(([t]) => t)));
    console.log(line(COLUMNS.map(([, w]) => '-'.repeat(w))));
  }
  const progress = progressLine();
  let bar: ProgressBar | undefined;
  const report = runWorldBaselines(dataset, deciders, world, model, {
    episodes: run.episodes,
    seed: run.seed,
    timeLimitMs: run.timeLimitS * 1000,
    onProgress: (name, done, total) => {
      if (name !== 'clairvoyant') return progress.update(`${name}: ${done}/${total} episodes`);
      bar ??= progressBar(
        `clairvoyant (≤ ${run.timeLimitS} s each)`,
        total,
        0,
        process.stderr.isTTY !== true,
      );
      bar.update(done, `${done}/${total} realisations`);
    },
    onSummary: (s) => {
      bar?.stop();
      bar = undefined;
      progress.done();
      if (stream) console.log(line(cellsOf(s).map((c) => (c === undefined ? '' : String(c)))));
    },
  });
  progress.done();
  if (run.plans) {
    writeFileAtomic(run.plans, report.records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    if (stream) console.log(`decision records: ${run.plans}`);
  }
  if (stream) {
    const c = report.summaries.find((s) => s.decider === 'clairvoyant');
    if (c && c.proven !== undefined && c.proven < c.episodes)
      console.log(
        `note: the clairvoyant optimum was proven on ${c.proven} of ${c.episodes} realisations; elsewhere it is the best plan found within ${run.timeLimitS} s`,
      );
    return;
  }
  report.summaries.sort((a, b) => names.indexOf(a.decider) - names.indexOf(b.decider));
  if (run.json) {
    console.log(
      JSON.stringify(
        {
          dataset: dataset.name,
          dags: dataset.dags.length,
          episodes: run.episodes,
          seed: run.seed,
          profile: model.profile,
          system: run.system,
          world: world.describe(),
          deciders: Object.fromEntries(report.summaries.map(({ decider, ...rest }) => [decider, rest])),
        },
        null,
        1,
      ),
    );
    return;
  }
  process.stdout.write(formatCsv(CSV_HEADER, report.summaries.map(cellsOf)));
}

const COLUMNS: [string, number][] = [
  ['decider', 24],
  ['kind', 9],
  ['mean (ms)', 10],
  ['std (ms)', 9],
  ['p10 (ms)', 9],
  ['p90 (ms)', 9],
  ['gap to clairvoyant (%)', 22],
  ['µs/decision', 11],
  ['proven', 11],
  ['wall (s)', 8],
];

const CSV_HEADER = [
  'decider',
  'kind',
  'mean_makespan_ms',
  'std_ms',
  'p10_ms',
  'p90_ms',
  'gap_to_clairvoyant_pct',
  'us_per_decision',
  'proven',
  'wall_s',
];

function cellsOf(s: DeciderSummary): Cell[] {
  return [
    s.decider,
    s.kind,
    fixed(s.meanMakespanMs, 1),
    fixed(s.stdMakespanMs, 1),
    fixed(s.p10Ms, 1),
    fixed(s.p90Ms, 1),
    s.meanGapToClairvoyant === undefined ? undefined : fixed(100 * s.meanGapToClairvoyant, 2),
    fixed(s.decisionUsPerTask, 1),
    s.proven === undefined ? undefined : `${s.proven}/${s.episodes}`,
    fixed(s.wallMs / 1000, 1),
  ];
}

function line(cells: readonly string[]): string {
  return cells
    .map((c, k) => (k < 2 ? c.padEnd(COLUMNS[k][1]) : c.padStart(COLUMNS[k][1])))
    .join('  ')
    .trimEnd();
}
