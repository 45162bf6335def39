import { Argument, Command, Option } from 'commander';
import { join } from 'node:path';
import { experimentSettings, runExperiment } from '../../experiments/experiment.js';
import { PRESET_NAMES, type PresetName } from '../../experiments/presets.js';
import { getBackend } from '../../nn/select-backend.js';
import { parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { defaultDataRoot, limitBlasThreadsForWorkers } from '../data-root.js';

interface ExperimentCliOptions {
  quick?: boolean;
  out?: string;
  dataRoot: string;
  workers: number;
  iterations?: number;
  hidden?: number;
  seed?: number;
  adaptSteps?: number;
  trajectories?: number;
  testLimit?: number;
  attention?: 'luong' | 'additive';
  layerNorm?: boolean;
  dagsPerBatch?: number;
  optimalTimeLimit?: number;
}

export function experimentCommand(): Command {
  return new Command('experiment')
    .description(
      'a Sec. 5.3 experiment end to end: meta-training, the DRL baseline, adaptation curves, figures (SVG, PNG) and Table 3',
    )
    .addArgument(new Argument('<preset>', 'topology, tasks or rates').choices(PRESET_NAMES))
    .option('--quick', 'a small version of the same pipeline (minutes on 2 cores)')
    .option('--out <dir>', 'output folder (default runs/experiment-<preset>[-quick]); rerun to resume')
    .option(
      '--data-root <dir>',
      'folder with the paper datasets (meta_offloading_20/, meta_offloading_n/)',
      defaultDataRoot(),
    )
    .option('--workers <n>', 'worker threads for the inner loops (0: none)', parseNonNegativeInt, 2)
    .option('--iterations <n>', 'meta-training and DRL pre-training iterations', parsePositiveInt)
    .option('--hidden <units>', 'LSTM units per layer', parsePositiveInt)
    .option('--trajectories <k>', 'trajectories per DAG per batch', parsePositiveInt)
    .option(
      '--adapt-steps <n>',
      'update steps on each test set (default 100; the table also reports step 20)',
      parsePositiveInt,
    )
    .option('--seed <seed>', 'the one seed', parseNonNegativeInt)
    .addOption(
      new Option('--attention <kind>', "attention score (default additive, the paper's [20])").choices([
        'luong',
        'additive',
      ]),
    )
    .option('--no-layer-norm', 'no layer normalisation in the LSTMs')
    .option('--dags-per-batch <n>', 'DAGs per inner-loop batch (default 100)', parsePositiveInt)
    .option(
      '--test-limit <n>',
      'adapt on the first n test sets only (the topology preset lists Topology I-III first)',
      parsePositiveInt,
    )
    .option(
      '--optimal-time-limit <seconds>',
      'Optimal reference: time limit per DAG (default 30)',
      parsePositiveInt,
    )
    .action(async (presetName: PresetName, opts: ExperimentCliOptions) => {
      limitBlasThreadsForWorkers(opts.workers);
      const patch: Record<string, unknown> = {};
      if (opts.iterations !== undefined) patch.iterations = opts.iterations;
      if (opts.seed !== undefined) patch.seed = opts.seed;
      const policy: Record<string, unknown> = opts.quick ? { hidden: 16, attention: 'luong' } : {};
      if (opts.hidden !== undefined) policy.hidden = opts.hidden;
      if (opts.attention !== undefined) policy.attention = opts.attention;
      if (opts.layerNorm === false) policy.layerNorm = false;
      const ppo: Record<string, unknown> = opts.quick ? { trajectoriesPerDag: 4, dagsPerBatch: 8 } : {};
      if (opts.trajectories !== undefined) ppo.trajectoriesPerDag = opts.trajectories;
      if (opts.dagsPerBatch !== undefined) ppo.dagsPerBatch = opts.dagsPerBatch;
      patch.policy = policy;
      patch.ppo = ppo;
      const settings = experimentSettings(presetName, opts.quick === true, patch);
      if (opts.adaptSteps !== undefined) {
        settings.adaptSteps = opts.adaptSteps;
        settings.shortSteps = Math.min(settings.shortSteps, opts.adaptSteps);
      }
      if (opts.testLimit !== undefined) settings.testLimit = opts.testLimit;
      if (opts.optimalTimeLimit !== undefined) settings.optimalTimeLimitMs = opts.optimalTimeLimit * 1000;
      const outDir = opts.out ?? join('runs', `experiment-${presetName}${opts.quick ? '-quick' : ''}`);
      const be = getBackend();
      const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
      log(
        `experiment ${presetName}${opts.quick ? ' (quick)' : ''}: backend ${be.name}, hidden ${settings.run.policy.hidden}, ${opts.workers} workers -> ${outDir}`,
      );
      const { table } = await runExperiment({
        be,
        preset: presetName,
        settings,
        dataRoot: opts.dataRoot,
        outDir,
        workers: opts.workers,
        onStage: log,
        onMetaIteration: (m) =>
          log(
            `  meta ${m.iteration}/${settings.run.iterations}: test ${m.testMakespanMs?.toFixed(1) ?? '-'} ms (${m.wallS.toFixed(1)} s)`,
          ),
        onDrlIteration: (m) =>
          log(
            `  drl ${m.iteration}/${settings.drlIterations}: ${m.evalMakespanMs?.toFixed(1) ?? '-'} ms (${m.wallS.toFixed(1)} s)`,
          ),
        onAdaptStep: (method, set, p) =>
          log(`  ${set} ${method} step ${p.step}: ${p.makespanMs.toFixed(1)} ms`),
      });
      console.log(
        `wrote ${join(outDir, 'table3.md')}, ${join(outDir, 'curves.csv')} and ${table.length} figure(s) fig-*.svg/.png`,
      );
    });
}
