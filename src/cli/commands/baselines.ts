import { Command } from 'commander';
import { readDataset, type Dataset } from '../../dag/io.js';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../../dag/generate.js';
import { addPlansRow, runBaselines } from '../../experiments/baselines.js';
import { getBackend } from '../../nn/select-backend.js';
import { loadCheckpoint, profileOfCheckpoint } from '../../rl/checkpoint.js';
import { policyPathOr } from '../../rl/shipped-policy.js';
import { decideOffloadingAll } from '../../services/offloading-scheduler.js';
import { Rng } from '../../util/rng.js';
import { SCHEDULERS, schedulerByName } from '../../schedulers/registry.js';
import { UsageError } from '../../util/errors.js';
import {
  addSystemOptions,
  parseNonNegativeInt,
  parsePositive,
  systemFromOptions,
  type SystemCliOptions,
} from '../options.js';
import { progressLine } from '../progress.js';
import { fixed, formatCsv, formatTable } from '../table.js';

interface BaselinesOptions extends SystemCliOptions {
  schedulers: string;
  policy?: string;
  samples: number;
  json?: boolean;
  csv?: boolean;
  seed: number;
  timeLimit?: number;
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
      parseNonNegativeInt,
      0,
    )
    .option('--seed <seed>', 'seed of the random scheduler', parseNonNegativeInt, 0)
    .option('--time-limit <seconds>', 'optimal: give up proving after this long per DAG', parsePositive)
    .option('--json', 'print one JSON object keyed by scheduler')
    .option('--csv', 'print CSV');
  addSystemOptions(cmd);
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
      ? readDataset(dir)
      : { name: 'generated', dir: '(built-in)', dags: generateDags({ ...DEFAULT_GENERATOR_PARAMS }, 100) };
    const { system, model } = systemFromOptions(opts, {
      profile: loaded ? profileOfCheckpoint(loaded.state) : undefined,
    });
    const progress = progressLine();
    const report = runBaselines(dataset, schedulers, system, model, {
      seed: opts.seed,
      ...(opts.timeLimit !== undefined ? { timeLimitMs: opts.timeLimit * 1000 } : {}),
      onProgress: (name, done, total) => progress.update(`${name}: ${done}/${total} DAGs`),
    });
    if (loaded) {
      progress.update(`policy: ${dataset.dags.length} DAGs`);
      const started = performance.now();
      const decisions = decideOffloadingAll(
        getBackend(),
        loaded.policy,
        dataset.dags,
        system,
        model.profile,
        {
          samples: opts.samples,
          polish: false,
          rng: new Rng(opts.seed, 21),
        },
      );
      addPlansRow(
        report,
        'policy',
        decisions.map((d) => d.makespanMs),
        decisions.map((d) => d.plan.join('')),
        performance.now() - started,
      );
      // Keep the order the user asked for.
      report.summaries.sort((a, b) => names.indexOf(a.scheduler) - names.indexOf(b.scheduler));
    }
    progress.done();

    if (opts.json) {
      const out = Object.fromEntries(report.summaries.map(({ scheduler, ...rest }) => [scheduler, rest]));
      console.log(JSON.stringify(out, null, 1));
      return;
    }
    const header = [
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
    const rows = report.summaries.map((s) => [
      s.scheduler,
      s.meanMakespanMs.toFixed(2),
      s.meanGapToOptimum === undefined ? undefined : (100 * s.meanGapToOptimum).toFixed(2),
      s.dags,
      s.meanModelSteps === undefined ? undefined : Math.round(s.meanModelSteps),
      (s.wallMs / s.dags).toFixed(3),
      s.meanNodes === undefined ? undefined : Math.round(s.meanNodes),
      s.proven === undefined ? undefined : `${s.proven}/${s.dags}`,
      (s.wallMs / 1000).toFixed(3),
    ]);
    if (opts.csv) {
      process.stdout.write(formatCsv(header, rows));
      return;
    }
    const rate = `${fixed(system.uplinkBps / 1e6, 2)}/${fixed(system.downlinkBps / 1e6, 2)} Mbit/s`;
    console.log(
      `${dataset.name}: ${dataset.dags.length} DAGs, ${model.profile} profile, rates up/down ${rate}`,
    );
    console.log(
      formatTable(
        [
          'scheduler',
          'mean makespan (ms)',
          'gap to optimum (%)',
          'DAGs',
          'model steps/DAG',
          'ms/DAG',
          'mean nodes',
          'proven',
          'wall (s)',
        ],
        rows,
      ),
    );
  });
}
