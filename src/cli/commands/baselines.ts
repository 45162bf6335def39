import { streamRng } from '../../util/rng-streams.js';
import { Command } from 'commander';
import { MAX_INFERENCE_SAMPLES } from '../../util/limits.js';
import type { Dataset } from '../../dag/io.js';
import { readDatasetArg } from '../dag-arg.js';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../../dag/generate.js';
import { addPlansRow, runBaselines, type BaselineSummary } from '../../experiments/baselines.js';
import { getBackend } from '../../nn/select-backend.js';
import {
  loadCheckpoint,
  profileOfCheckpoint,
  rankWeightOfCheckpoint,
  systemOfCheckpoint,
} from '../../rl/checkpoint.js';
import { policyPathOr } from '../../rl/shipped-policy.js';
import { decideOffloadingAll } from '../../services/offloading-scheduler.js';
import { SCHEDULERS, schedulerByName } from '../../schedulers/registry.js';
import { UsageError } from '../../util/errors.js';
import {
  addSystemOptions,
  addTimeLimitOption,
  parseIntIn,
  parseSeed,
  systemFromOptions,
  type SystemCliOptions,
} from '../options.js';
import { progressBar, progressLine, type ProgressBar } from '../progress.js';
import { fixed, formatCsv, type Cell } from '../table.js';

interface BaselinesOptions extends SystemCliOptions {
  schedulers: string;
  policy?: string;
  samples: number;
  json?: boolean;
  csv?: boolean;
  seed: number;
  timeLimit: number;
}

const DEFAULT_SCHEDULERS = 'local,remote,random,greedy,heft,heft-rollout,heft-rollout:2,optimal';

export function baselinesCommand(): Command {
  const cmd = new Command('baselines')
    .description(
      'mean makespan of each scheduler over a dataset (without a folder: 100 generated DAGs, n=20, seed 1)',
    )
    .argument('[dataset_dir]', 'folder of DAG files')
    .option(
      '--schedulers <list>',
      `comma-separated: ${SCHEDULERS.map((s) => s.name).join(', ')}, heft-rollout:D (depth D), policy (a trained policy's plans)`,
      DEFAULT_SCHEDULERS,
    )
    .option('--policy <checkpoint>', 'the policy of the `policy` scheduler (default: the shipped policy)')
    .option(
      '--samples <k>',
      "policy: also sample k plans per DAG and keep the best (0: argmax, the paper's inference)",
      parseIntIn(0, MAX_INFERENCE_SAMPLES),
      0,
    )
    .option('--seed <seed>', 'seed of the random scheduler', parseSeed, 0)
    .option('--json', 'print one JSON object keyed by scheduler')
    .option('--csv', 'print CSV');
  addSystemOptions(cmd);
  addTimeLimitOption(cmd);
  return cmd.action((dir: string | undefined, opts: BaselinesOptions) => {
    if (opts.json && opts.csv) throw new UsageError('give either --json or --csv, not both');
    const names = opts.schedulers
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (names.length === 0) throw new UsageError('--schedulers is empty');
    const schedulers = names.filter((n) => n !== 'policy').map(schedulerByName);
    const withPolicy = names.includes('policy');
    if (!withPolicy && (opts.policy !== undefined || opts.samples > 0))
      throw new UsageError(
        '--policy and --samples belong to the policy scheduler: add policy to --schedulers',
      );
    const loaded = withPolicy ? loadCheckpoint(policyPathOr(opts.policy)) : undefined;
    const dataset: Dataset = dir
      ? readDatasetArg(dir)
      : { name: 'generated', dir: '(built-in)', dags: generateDags({ ...DEFAULT_GENERATOR_PARAMS }, 100) };
    const { system, model } = systemFromOptions(opts, {
      profile: loaded ? profileOfCheckpoint(loaded.state) : undefined,
      rankWeight: loaded ? rankWeightOfCheckpoint(loaded.state) : undefined,
      system: loaded ? systemOfCheckpoint(loaded.state) : undefined,
    });
    // Optimal first, so that each later row prints as soon as it is ready with its gap to the optimum.
    const runOrder = [...schedulers].sort(
      (a, b) => Number(b.name === 'optimal') - Number(a.name === 'optimal'),
    );
    const stream = !opts.json && !opts.csv ? streamedTable() : undefined;
    if (stream) {
      const rate = `${fixed(system.uplinkBps / 1e6, 2)}/${fixed(system.downlinkBps / 1e6, 2)} Mbit/s`;
      console.log(
        `${dataset.name}: ${dataset.dags.length} DAGs, ${model.profile} profile, rates up/down ${rate}`,
      );
      stream.header();
    }
    const progress = progressLine();
    let optimalBar: ProgressBar | undefined;
    let optimum: readonly number[] | undefined;
    const report = runBaselines(dataset, runOrder, system, model, {
      seed: opts.seed,
      timeLimitMs: opts.timeLimit * 1000,
      onProgress: (name, done, total) => {
        if (name !== 'optimal') return progress.update(`${name}: ${done}/${total} DAGs`);
        optimalBar ??= progressBar(
          `optimal (≤ ${opts.timeLimit} s per DAG)`,
          total,
          0,
          process.stderr.isTTY !== true,
        );
        optimalBar.update(done, `${done}/${total} DAGs`);
      },
      onSummary: (summary, makespans) => {
        if (summary.scheduler === 'optimal') {
          optimalBar?.stop();
          optimum = makespans;
        }
        progress.done();
        stream?.row(summary, optimum ? gapTo(optimum, makespans) : undefined);
      },
    });
    if (loaded) {
      progress.update(`policy: ${dataset.dags.length} DAGs`);
      const started = performance.now();
      const decisions = decideOffloadingAll(getBackend(), loaded.policy, dataset.dags, system, model, {
        samples: opts.samples,
        polish: false,
        rng: streamRng(opts.seed, 'inferenceSamples'),
      });
      addPlansRow(
        report,
        'policy',
        decisions.map((d) => d.makespanMs),
        decisions.map((d) => d.plan.join('')),
        performance.now() - started,
      );
      progress.done();
      const policyRow = report.summaries[report.summaries.length - 1];
      stream?.row(policyRow, policyRow.meanGapToOptimum);
    }
    progress.done();
    if (stream) return;

    // The order the user asked for.
    report.summaries.sort((a, b) => names.indexOf(a.scheduler) - names.indexOf(b.scheduler));
    if (opts.json) {
      const out = Object.fromEntries(report.summaries.map(({ scheduler, ...rest }) => [scheduler, rest]));
      console.log(JSON.stringify(out, null, 1));
      return;
    }
    process.stdout.write(
      formatCsv(
        CSV_HEADER,
        report.summaries.map((s) => cellsOf(s, s.meanGapToOptimum)),
      ),
    );
  });
}

const CSV_HEADER = [
  'scheduler',
  'mean_makespan_ms',
  'gap_to_optimum_pct',
  'dags',
  'model_steps_per_dag',
  'ms_per_dag',
  'mean_nodes',
  'proven',
  'wall_s',
];

/** The table's columns: title and width (the widest expected value or the title). */
const COLUMNS: [string, number][] = [
  ['scheduler', 16],
  ['mean makespan (ms)', 18],
  ['gap to optimum (%)', 18],
  ['DAGs', 5],
  ['model steps/DAG', 15],
  ['ms/DAG', 10],
  ['mean nodes', 10],
  ['proven', 9],
  ['wall (s)', 9],
];

function cellsOf(s: BaselineSummary, gap: number | undefined): Cell[] {
  return [
    s.scheduler,
    s.meanMakespanMs.toFixed(2),
    gap === undefined ? undefined : (100 * gap).toFixed(2),
    s.dags,
    s.meanModelSteps === undefined ? undefined : Math.round(s.meanModelSteps),
    (s.wallMs / s.dags).toFixed(3),
    s.meanNodes === undefined ? undefined : Math.round(s.meanNodes),
    s.proven === undefined ? undefined : `${s.proven}/${s.dags}`,
    (s.wallMs / 1000).toFixed(3),
  ];
}

/** Mean over DAGs of makespan / optimum − 1. */
function gapTo(optimum: readonly number[], makespans: readonly number[]): number {
  return makespans.reduce((sum, m, d) => sum + (m / optimum[d] - 1), 0) / makespans.length;
}

/** A table printed a row at a time (fixed column widths), so that each row shows as soon as it is ready. */
function streamedTable(): { header(): void; row(s: BaselineSummary, gap: number | undefined): void } {
  const line = (cells: readonly string[]) =>
    cells
      .map((c, k) => (k === 0 ? c.padEnd(COLUMNS[k][1]) : c.padStart(COLUMNS[k][1])))
      .join('  ')
      .trimEnd();
  return {
    header() {
      console.log(line(COLUMNS.map(([t]) => t)));
      console.log(line(COLUMNS.map(([, w]) => '-'.repeat(w))));
    },
    row(s, gap) {
      console.log(line(cellsOf(s, gap).map((c) => (c === undefined ? '' : String(c)))));
    },
  };
}
