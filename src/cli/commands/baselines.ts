import { streamRng } from '../../util/rng-streams.js';
import { Command } from 'commander';
import { MAX_INFERENCE_SAMPLES } from '../../util/limits.js';
import type { Dataset } from '../../dag/io.js';
import { loadDatasetArg, readDatasetArg } from '../dag-arg.js';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../../dag/generate.js';
import { addPlansRow, runBaselines, type BaselineSummary } from '../../experiments/baselines.js';
import { getBackend } from '../../nn/select-backend.js';
import { loadCheckpoint } from '../../rl/checkpoint.js';
import { onlinePolicyPathOr, placesPolicyPathOr, policyPathOr } from '../../rl/shipped-policy.js';
import { decideOffloadingAll } from '../../services/offloading-scheduler.js';
import { DEEP_ROLLOUT_DEFAULT_MAX_TASKS, rolloutDepthOf } from '../../schedulers/heft-rollout.js';
import { knownSchedulerNames, schedulerByName } from '../../schedulers/registry.js';
import { UsageError } from '../../util/errors.js';
import {
  addSystemOptions,
  addTimeLimitOption,
  parseIntIn,
  parseSeed,
  systemFromOptions,
  type SystemCliOptions,
} from '../options.js';
import {
  describeModel,
  modelJson,
  noteLookaheadCost,
  notePolicyModel,
  policyModelDefaults,
} from '../policy-model.js';
import { progressBar, type ProgressBar } from '../progress.js';
import { formatCsv, type Cell } from '../table.js';
import {
  addEpisodesOption,
  addWorldOptions,
  worldGiven,
  worldSpecFromOptions,
  type WorldCliOptions,
} from '../world-options.js';
import { worldBaselines } from './world-baselines.js';
import {
  addPlacementOptions,
  placementFromOptions,
  placementGiven,
  worldOverPlacesRefused,
  type PlacementCliOptions,
} from '../system-spec-options.js';
import { systemBaselines } from './system-baselines.js';
import { hasTraces } from '../../mec/places/system-spec.js';

interface BaselinesOptions extends SystemCliOptions, WorldCliOptions, PlacementCliOptions {
  episodes: number;
  plans?: string;
  schedulers: string;
  policy?: string;
  samples: number;
  json?: boolean;
  csv?: boolean;
  seed: number;
  timeLimit: number;
}

const DEFAULT_SCHEDULERS = 'local,remote,random,greedy,heft,heft-rollout,heft-rollout:2,optimal';

/** What a plan Optimal did not prove is: the best it found within its time limit. */
const BEST_FOUND = 'best found (not proven)';

export function baselinesCommand(): Command {
  const cmd = new Command('baselines')
    .description(
      'mean makespan of each scheduler over a dataset (without a folder: 100 generated DAGs, n=20, seed 1)',
    )
    .argument('[dataset_dir]', 'folder of DAG files (with a world: one or more, comma-separated)')
    .option(
      '--schedulers <list>',
      `comma-separated: ${knownSchedulerNames(["policy (a trained policy's plans)"])}; the default leaves out rollouts of depth 2 or more on DAGs above ${DEEP_ROLLOUT_DEFAULT_MAX_TASKS} tasks`,
      DEFAULT_SCHEDULERS,
    )
    .option(
      '--policy <checkpoint>',
      'the policy of the `policy` scheduler (default: the shipped policy; with --system or --objective, the shipped policy over places)',
    )
    .option(
      '--samples <k>',
      "policy: also sample k plans per DAG and keep the best (0: argmax, the paper's inference)",
      parseIntIn(0, MAX_INFERENCE_SAMPLES),
      0,
    )
    .option('--seed <seed>', 'seed of the random scheduler', parseSeed, 0)
    .option('--json', 'print one JSON object: the model, and each scheduler by name')
    .option('--csv', 'print CSV');
  addSystemOptions(cmd);
  addPlacementOptions(cmd);
  addTimeLimitOption(cmd);
  addWorldOptions(cmd);
  addEpisodesOption(cmd);
  cmd.option(
    '--plans <file>',
    "with a world: write every episode's decisions (JSON lines: decider, DAG, realisation, offset, plan, makespan)",
  );
  return cmd.action((dir: string | undefined, opts: BaselinesOptions, command: Command) => {
    if (opts.json && opts.csv) throw new UsageError('give either --json or --csv, not both');
    if (placementGiven(opts)) {
      if (worldGiven(opts)) throw worldOverPlacesRefused('--world (or traces)');
      const { spec, objective, model } = placementFromOptions(opts, systemFromOptions(opts).system);
      if (opts.plans !== undefined)
        throw new UsageError('--plans belongs to a world: add --world (or a trace)');
      if (cmd.getOptionValueSource('episodes') !== 'default' && !hasTraces(spec))
        throw new UsageError(
          "--episodes belongs to a world: give the system's servers traces, or add --world",
        );
      const names = opts.schedulers
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (names.length === 0) throw new UsageError('--schedulers is empty');
      if (!names.includes('policy') && (opts.policy !== undefined || opts.samples > 0))
        throw new UsageError(
          '--policy and --samples belong to the policy scheduler: add policy to --schedulers',
        );
      const dataset: Dataset = dir
        ? readDatasetArg(dir)
        : { name: 'generated', dir: '(built-in)', dags: generateDags({ ...DEFAULT_GENERATOR_PARAMS }, 100) };
      // The default list is bounded here too: deep rollouts only on DAGs of a declared size.
      const leftOut =
        command.getOptionValueSource('schedulers') === 'default' ? deepRolloutsOver(dataset) : [];
      for (const l of leftOut) console.error(`note: ${l.note}`);
      return systemBaselines({
        dataset,
        spec,
        objective,
        model,
        names: names.filter((n) => !leftOut.some((l) => l.name === n)),
        ...(names.includes('policy') ? { policyPath: placesPolicyPathOr(opts.policy) } : {}),
        samples: opts.samples,
        seed: opts.seed,
        episodes: opts.episodes,
        timeLimitS: opts.timeLimit,
        ...(opts.json ? { json: true } : {}),
        ...(opts.csv ? { csv: true } : {}),
      });
    }
    if (worldGiven(opts)) {
      const { system, model } = systemFromOptions(opts);
      const explicit = cmd.getOptionValueSource('schedulers') !== 'default';
      return worldBaselines({
        dataset: dir
          ? loadDatasetArg(dir)
          : {
              name: 'generated',
              dir: '(built-in)',
              dags: generateDags({ ...DEFAULT_GENERATOR_PARAMS }, 100),
            },
        spec: worldSpecFromOptions(opts),
        system,
        model,
        ...(explicit
          ? {
              deciders: opts.schedulers
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s !== ''),
            }
          : {}),
        ...(opts.policy !== undefined || explicitPolicy(opts.schedulers)
          ? { policy: loadCheckpoint(onlinePolicyPathOr(opts.policy)).policy }
          : {}),
        episodes: opts.episodes,
        seed: opts.seed,
        timeLimitS: opts.timeLimit,
        ...(opts.json ? { json: true } : {}),
        ...(opts.csv ? { csv: true } : {}),
        ...(opts.plans ? { plans: opts.plans } : {}),
      });
    }
    if (cmd.getOptionValueSource('episodes') !== 'default' || opts.plans !== undefined)
      throw new UsageError('--episodes and --plans belong to a world: add --world (or a trace)');
    let names = opts.schedulers
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (names.length === 0) throw new UsageError('--schedulers is empty');
    const schedulers = names.filter((n) => n !== 'policy').map((n) => schedulerByName(n, ['policy']));
    const withPolicy = names.includes('policy');
    if (!withPolicy && (opts.policy !== undefined || opts.samples > 0))
      throw new UsageError(
        '--policy and --samples belong to the policy scheduler: add policy to --schedulers',
      );
    const loaded = withPolicy ? loadCheckpoint(policyPathOr(opts.policy)) : undefined;
    const dataset: Dataset = dir
      ? readDatasetArg(dir)
      : { name: 'generated', dir: '(built-in)', dags: generateDags({ ...DEFAULT_GENERATOR_PARAMS }, 100) };
    // The default list is bounded: deep rollouts only on DAGs of a declared size.
    const leftOut = command.getOptionValueSource('schedulers') === 'default' ? deepRolloutsOver(dataset) : [];
    names = names.filter((n) => !leftOut.some((l) => l.name === n));
    const run = schedulers.filter((s) => names.includes(s.name));
    // One latency model for every row: a policy's (it was trained in it) unless the flags say otherwise.
    const { system, model } = systemFromOptions(opts, loaded ? policyModelDefaults(loaded.state) : {});
    if (loaded) {
      notePolicyModel(loaded.state, system, model);
      const without = systemFromOptions(opts);
      if (JSON.stringify(without) !== JSON.stringify({ system, model }))
        console.error(
          `note: every row is under the policy's model (${describeModel(system, model)}); without policy in --schedulers it would be the ${describeModel(without.system, without.model)}`,
        );
    }
    for (const l of leftOut) console.error(`note: ${l.note}`);

    // Optimal first, so that each later row prints as soon as it is ready with its gap to the optimum.
    const runOrder = [...run].sort((a, b) => Number(b.name === 'optimal') - Number(a.name === 'optimal'));
    const stream = !opts.json && !opts.csv ? streamedTable() : undefined;
    if (stream)
      console.log(
        `${dataset.name}: ${dataset.dags.length} DAGs; every row under the ${describeModel(system, model)}`,
      );
    // Each row's progress, timed from when the row starts (the end of the one before).
    let row: RowProgress | undefined;
    let rowStarted = performance.now();
    let optimum: { makespans: readonly number[]; proven: boolean } | undefined;
    const report = runBaselines(dataset, runOrder, system, model, {
      seed: opts.seed,
      timeLimitMs: opts.timeLimit * 1000,
      onProgress: (name, done, total) => {
        row ??= rowProgress(
          name === 'optimal' ? `optimal (≤ ${opts.timeLimit} s per DAG)` : name,
          total,
          rowStarted,
        );
        row.update(done);
      },
      onSummary: (summary, makespans) => {
        row?.stop();
        row = undefined;
        rowStarted = performance.now();
        if (summary.scheduler === 'optimal') optimum = { makespans, proven: summary.proven === summary.dags };
        stream?.row(summary, optimum && gapTo(optimum.makespans, makespans), optimum?.proven ?? true);
      },
    });
    if (loaded) {
      noteLookaheadCost(loaded.policy.config, dataset.dags);
      // One batch: the bar shows at once, without steps.
      row = rowProgress('policy', dataset.dags.length, -Infinity);
      row.update(0);
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
      row.stop();
      const policyRow = report.summaries[report.summaries.length - 1];
      stream?.row(policyRow, policyRow.meanGapToOptimum, optimum?.proven ?? true);
    }
    const opt = report.summaries.find((s) => s.scheduler === 'optimal');
    const unproven = opt !== undefined && opt.proven !== opt.dags;
    if (stream) {
      if (unproven)
        console.log(
          `optimal: proven on ${opt.proven} of ${opt.dags} DAGs within its time limit (${opts.timeLimit} s per DAG); on the others its plan is the ${BEST_FOUND} and the gaps are to it`,
        );
      return;
    }

    // The order the user asked for.
    report.summaries.sort((a, b) => names.indexOf(a.scheduler) - names.indexOf(b.scheduler));
    if (opts.json) {
      const gapKey = unproven ? 'meanGapToBestFound' : 'meanGapToOptimum';
      const entries = report.summaries.map(({ scheduler, meanGapToOptimum, ...rest }) => [
        scheduler,
        {
          ...rest,
          ...(meanGapToOptimum !== undefined ? { [gapKey]: meanGapToOptimum } : {}),
          ...(scheduler === 'optimal' && unproven ? { label: BEST_FOUND } : {}),
        },
      ]);
      const out = {
        dataset: dataset.name,
        dags: dataset.dags.length,
        ...modelJson(system, model),
        ...(opt ? { gapTo: unproven ? BEST_FOUND : 'optimum' } : {}),
        ...(leftOut.length > 0 ? { leftOut: leftOut.map((l) => l.note) } : {}),
        schedulers: Object.fromEntries(entries),
      };
      console.log(JSON.stringify(out, null, 1));
      return;
    }
    const header = CSV_HEADER.map((h) =>
      unproven && h === 'gap_to_optimum_pct' ? 'gap_to_best_found_pct' : h,
    );
    process.stdout.write(
      formatCsv(
        header,
        report.summaries.map((s) => cellsOf(s, s.meanGapToOptimum)),
      ),
    );
  });
}

/** The default list's rollouts of depth ≥ 2 that a DAG of the dataset is too large for, each with its note. */
function deepRolloutsOver(dataset: Dataset): { name: string; note: string }[] {
  const largest = dataset.dags.reduce((m, d) => Math.max(m, d.tasks.length), 0);
  if (largest <= DEEP_ROLLOUT_DEFAULT_MAX_TASKS) return [];
  return DEFAULT_SCHEDULERS.split(',')
    .filter((n) => (rolloutDepthOf(n) ?? 0) >= 2)
    .map((name) => ({
      name,
      note: `${name} left out: the largest DAG has ${largest} tasks, above the ${DEEP_ROLLOUT_DEFAULT_MAX_TASKS} a rollout of depth ${rolloutDepthOf(name)} runs on by default (its cost grows as n^${rolloutDepthOf(name)! + 1}); name it in --schedulers to run it anyway`,
    }));
}

interface RowProgress {
  update(done: number): void;
  stop(): void;
}

/** A row's progress bar on a terminal, shown once the row has taken more than a second. */
function rowProgress(label: string, total: number, started: number): RowProgress {
  let bar: ProgressBar | undefined;
  return {
    update(done) {
      if (!bar && performance.now() - started < 1000) return;
      bar ??= progressBar(label, total, 0, process.stderr.isTTY !== true, false);
      bar.update(done, `${Math.floor(done)}/${total} DAGs`);
    },
    stop() {
      bar?.stop();
    },
  };
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

/**
 * A table printed a row at a time, so that each row shows as soon as it is ready. The header waits for
 * the first row (Optimal's, when it runs): a gap is to the optimum only where Optimal proved it.
 */
function streamedTable(): {
  row(s: BaselineSummary, gap: number | undefined, optimumProven: boolean): void;
} {
  let columns: [string, number][] | undefined;
  const line = (cells: readonly string[]) =>
    cells
      .map((c, k) => (k === 0 ? c.padEnd(columns![k][1]) : c.padStart(columns![k][1])))
      .join('  ')
      .trimEnd();
  return {
    row(s, gap, optimumProven) {
      const name = s.scheduler === 'optimal' && s.proven !== s.dags ? `optimal: ${BEST_FOUND}` : s.scheduler;
      if (!columns) {
        const gapTitle = optimumProven ? 'gap to optimum (%)' : 'gap to best found (%)';
        columns = COLUMNS.map(([t, w], k): [string, number] =>
          k === 0 ? [t, Math.max(w, name.length)] : k === 2 ? [gapTitle, gapTitle.length] : [t, w],
        );
        console.log(line(columns.map(([t]) => t)));
        console.log(line(columns.map(([, w]) => '-'.repeat(w))));
      }
      const cells = cellsOf({ ...s, scheduler: name }, gap);
      console.log(line(cells.map((c) => (c === undefined ? '' : String(c)))));
    },
  };
}

/** Does a --schedulers list name the policy? */
function explicitPolicy(list: string): boolean {
  return list.split(',').some((s) => s.trim() === 'policy');
}
