import { Command } from 'commander';
import { readDataset, type Dataset } from '../../dag/io.js';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../../dag/generate.js';
import { runBaselines } from '../../experiments/baselines.js';
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
  json?: boolean;
  csv?: boolean;
  seed: number;
  timeLimit?: number;
}

const DEFAULT_SCHEDULERS = 'local,remote,random,greedy,heft,optimal';

export function baselinesCommand(): Command {
  const cmd = new Command('baselines')
    .description(
      'mean makespan of each scheduler over a dataset (without a folder: 100 generated DAGs, n=20, seed 1)',
    )
    .argument('[dataset_dir]', 'folder of DAG files')
    .option(
      '--schedulers <list>',
      `comma-separated: ${SCHEDULERS.map((s) => s.name).join(', ')}`,
      DEFAULT_SCHEDULERS,
    )
    .option('--seed <seed>', 'seed of the random scheduler', parseNonNegativeInt, 0)
    .option('--time-limit <seconds>', 'optimal: give up proving after this long per DAG', parsePositive)
    .option('--json', 'print one JSON object keyed by scheduler')
    .option('--csv', 'print CSV');
  addSystemOptions(cmd);
  return cmd.action((dir: string | undefined, opts: BaselinesOptions) => {
    if (opts.json && opts.csv) throw new UsageError('give either --json or --csv, not both');
    const schedulers = opts.schedulers
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(schedulerByName);
    if (schedulers.length === 0) throw new UsageError('--schedulers is empty');
    const dataset: Dataset = dir
      ? readDataset(dir)
      : { name: 'generated', dir: '(built-in)', dags: generateDags({ ...DEFAULT_GENERATOR_PARAMS }, 100) };
    const { system, model } = systemFromOptions(opts);
    const progress = progressLine();
    const report = runBaselines(dataset, schedulers, system, model, {
      seed: opts.seed,
      ...(opts.timeLimit !== undefined ? { timeLimitMs: opts.timeLimit * 1000 } : {}),
      onProgress: (name, done, total) => progress.update(`${name}: ${done}/${total} DAGs`),
    });
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
      'mean_nodes',
      'proven',
      'wall_s',
    ];
    const rows = report.summaries.map((s) => [
      s.scheduler,
      s.meanMakespanMs.toFixed(2),
      s.meanGapToOptimum === undefined ? undefined : (100 * s.meanGapToOptimum).toFixed(2),
      s.dags,
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
        ['scheduler', 'mean makespan (ms)', 'gap to optimum (%)', 'DAGs', 'mean nodes', 'proven', 'wall (s)'],
        rows,
      ),
    );
  });
}
