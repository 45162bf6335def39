import { Argument, Command } from 'commander';
import { join } from 'node:path';
import {
  describePolicy,
  experimentSettings,
  PAPER_NETWORK_DEFAULT,
  runExperiment,
} from '../../experiments/experiment.js';
import { PRESET_NAMES, type PresetName } from '../../experiments/presets.js';
import { getBackend } from '../../nn/select-backend.js';
import { parseIntIn, parseSeed } from '../options.js';
import {
  MAX_ADAPT_STEPS,
  MAX_DATASET_DAGS,
  MAX_HIDDEN,
  MAX_INFERENCE_SAMPLES,
  MAX_ITERATIONS,
  MAX_TEST_SETS,
  MAX_TIME_LIMIT_S,
} from '../../util/limits.js';
import { defaultDataRoot, defaultTraces } from '../data-root.js';
import { runWorldExperiment, worldExperimentSettings } from '../../experiments/world-experiment.js';
import { UsageError } from '../../util/errors.js';
import { existsSync } from 'node:fs';
import { readDataset } from '../../dag/io.js';
import { DEFAULT_GENERATOR_PARAMS, generateDags } from '../../dag/generate.js';
import { runSystemsExperiment, systemsExperimentSettings } from '../../experiments/systems-experiment.js';
import { lockFolder } from '../../util/folder-lock.js';
import { addWorkersOption, limitBlasThreadsForWorkers } from '../workers.js';
import { addSettingFlags, metaFlags, POLICY_FLAGS, PPO_FLAGS, settingsPatch } from '../run-options.js';

interface ExperimentCliOptions {
  quick?: boolean;
  out?: string;
  dataRoot: string;
  workers: number;
  iterations?: number;
  drlIterations?: number;
  seed?: number;
  adaptSteps?: number;
  samples?: number;
  testLimit?: number;
  maxDags?: number;
  optimalTimeLimit?: number;
  comparePaper?: boolean;
  paperTestLimit: number;
  paperHidden: number;
  [flag: string]: unknown;
}

export function experimentCommand(): Command {
  const cmd = new Command('experiment')
    .description(
      'a Sec. 5.3 experiment end to end: meta-training, the DRL baseline, adaptation curves, figures (SVG, PNG), Table 3 and the plans behind every number',
    )
    .addArgument(
      new Argument(
        '<preset>',
        'topology, tasks or rates (Sec. 5.3), worlds (learning in the world, docs/world.md) or systems (several servers, a cloud, energy: docs/system.md)',
      ).choices([...PRESET_NAMES.filter((p) => p !== 'all'), 'worlds', 'systems']),
    )
    .option('--quick', 'a small version of the same pipeline (seconds: about 5 s on 2 cores)')
    .option('--out <dir>', 'output folder (default: runs/experiment-<preset>[-quick]); rerun to resume')
    .option(
      '--data-root <dir>',
      'folder with the paper datasets (meta_offloading_20/, meta_offloading_n/)',
      defaultDataRoot(),
    )
    .option(
      '--traces <dir>',
      "worlds: the folder of Mahimahi's traces (ATT-LTE-driving.up, …)",
      defaultTraces(),
    )
    .option('--iterations <n>', 'meta-training iterations (default: 100)', parseIntIn(1, MAX_ITERATIONS))
    .option(
      '--drl-iterations <n>',
      'DRL pre-training iterations (default: --iterations)',
      parseIntIn(1, MAX_ITERATIONS),
    )
    .option('--seed <seed>', 'the one seed', parseSeed)
    .option(
      '--adapt-steps <n>',
      'update steps on each test set (default: 100; the table also reports step 20)',
      parseIntIn(1, MAX_ADAPT_STEPS),
    )
    .option(
      '--samples <k>',
      'sampled plans per DAG beside argmax at the reported steps (default: 32)',
      parseIntIn(0, MAX_INFERENCE_SAMPLES),
    )
    .option(
      '--test-limit <n>',
      'adapt on the first n test sets only (the topology preset lists Topology I-III first)',
      parseIntIn(1, MAX_TEST_SETS),
    )
    .option('--max-dags <n>', 'use only the first n DAGs of each dataset', parseIntIn(1, MAX_DATASET_DAGS))
    .option(
      '--optimal-time-limit <seconds>',
      'Optimal reference: time limit per DAG, seconds (default: 30; 0 skips it)',
      parseIntIn(0, MAX_TIME_LIMIT_S),
    )
    .option(
      '--compare-paper',
      "also train and adapt the paper's network (Sec. 4.2 as printed) beside the default one",
    )
    .option(
      '--paper-test-limit <n>',
      "with --compare-paper: adapt the paper's network on the first n test sets",
      parseIntIn(1, MAX_TEST_SETS),
      3,
    )
    .option(
      '--paper-hidden <units>',
      "with --compare-paper: the paper network's LSTM units",
      parseIntIn(1, MAX_HIDDEN),
      PAPER_NETWORK_DEFAULT.hidden,
    );
  addSettingFlags(cmd, [...POLICY_FLAGS, ...PPO_FLAGS, ...metaFlags("the preset's: 10 or 5")]);
  addWorkersOption(cmd, 'the inner loops, the DRL baseline and the adaptations');
  return cmd.action(async (presetName: PresetName | 'worlds' | 'systems', opts: ExperimentCliOptions) => {
    if (presetName === 'systems') return systemsExperiment(cmd, opts);
    limitBlasThreadsForWorkers(opts.workers);
    const patch = settingsPatch(opts, [...POLICY_FLAGS, ...PPO_FLAGS, ...metaFlags()]);
    if (opts.iterations !== undefined) patch.iterations = opts.iterations;
    if (opts.seed !== undefined) patch.seed = opts.seed;
    if (presetName === 'worlds') return worldsExperiment(opts, patch);
    const settings = experimentSettings(presetName, opts.quick === true, patch);
    if (opts.drlIterations !== undefined) settings.drlIterations = opts.drlIterations;
    else if (opts.iterations !== undefined) settings.drlIterations = opts.iterations;
    if (opts.adaptSteps !== undefined) {
      settings.adaptSteps = opts.adaptSteps;
      settings.shortSteps = Math.min(settings.shortSteps, opts.adaptSteps);
    }
    if (opts.samples !== undefined) settings.samples = opts.samples;
    if (opts.testLimit !== undefined) settings.testLimit = opts.testLimit;
    if (opts.maxDags !== undefined) settings.maxDags = opts.maxDags;
    if (opts.optimalTimeLimit !== undefined) settings.optimalTimeLimitMs = opts.optimalTimeLimit * 1000;
    if (opts.comparePaper)
      settings.paperNetwork = {
        policy: { ...PAPER_NETWORK_DEFAULT, hidden: opts.quick ? 8 : opts.paperHidden },
        ppo: { advantage: 'gae' },
        testLimit: opts.paperTestLimit,
      };
    const outDir = opts.out ?? join('runs', `experiment-${presetName}${opts.quick ? '-quick' : ''}`);
    const be = getBackend();
    const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
    log(
      `experiment ${presetName}${opts.quick ? ' (quick)' : ''}: backend ${be.name}, policy ${describePolicy(settings.run.policy)}, ${opts.workers} workers -> ${outDir}`,
    );
    const { table } = await runExperiment({
      be,
      preset: presetName,
      settings,
      dataRoot: opts.dataRoot,
      outDir,
      workers: opts.workers,
      onStage: log,
      onMetaIteration: (m, v) =>
        log(
          `  meta${v === 'main' ? '' : ` (${v})`} ${m.iteration}/${settings.run.iterations}: test ${m.testMakespanMs?.toFixed(1) ?? '-'} ms (${m.wallS.toFixed(1)} s)`,
        ),
      onDrlIteration: (m, v) =>
        log(
          `  drl${v === 'main' ? '' : ` (${v})`} ${m.iteration}/${settings.drlIterations}: ${m.evalMakespanMs?.toFixed(1) ?? '-'} ms (${m.wallS.toFixed(1)} s)`,
        ),
      onAdaptStep: (method, set, p) => {
        if (p.step % 10 === 0 || p.step === settings.shortSteps)
          log(`  ${set} ${method} step ${p.step}: ${p.makespanMs.toFixed(1)} ms`);
      },
    });
    console.log(
      `wrote ${join(outDir, 'table3.md')}, ${join(outDir, 'plans.jsonl')}, ${join(outDir, 'curves.csv')} and ${table.length} figure(s) fig-*.svg/.png`,
    );
  });
}

/** `experiment worlds`: learning in the world (experiments/world-experiment.ts). */
async function worldsExperiment(opts: ExperimentCliOptions, patch: Record<string, unknown>): Promise<void> {
  const notHere = [
    'adaptSteps',
    'samples',
    'testLimit',
    'maxDags',
    'optimalTimeLimit',
    'comparePaper',
  ].filter((k) => opts[k] !== undefined);
  if (notHere.length > 0)
    throw new UsageError(
      `experiment worlds has its own scale: ${notHere.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} ${notHere.length === 1 ? 'does' : 'do'} not apply`,
    );
  const settings = worldExperimentSettings(opts.quick === true, patch);
  if (opts.drlIterations !== undefined) settings.drlIterations = opts.drlIterations;
  const outDir = opts.out ?? join('runs', `experiment-worlds${opts.quick ? '-quick' : ''}`);
  const be = getBackend();
  const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
  log(
    `experiment worlds${opts.quick ? ' (quick)' : ''}: backend ${be.name}, policy ${describePolicy(settings.run.policy)}, ${opts.workers} workers -> ${outDir}`,
  );
  const every = Math.max(1, Math.floor(settings.run.iterations / 10));
  await runWorldExperiment({
    be,
    settings,
    dataRoot: opts.dataRoot,
    traces: String(opts.traces),
    outDir,
    workers: opts.workers,
    onStage: log,
    onMetaIteration: (m) => {
      if (m.iteration % every === 0)
        log(
          `  meta ${m.iteration}/${settings.run.iterations}: test worlds ${m.testMakespanMs?.toFixed(1) ?? '-'} ms`,
        );
    },
    onDrlIteration: (m) => {
      if (m.iteration % every === 0)
        log(`  drl ${m.iteration}/${settings.drlIterations}: ${m.evalMakespanMs?.toFixed(1) ?? '-'} ms`);
    },
  });
  console.log(
    `wrote ${join(outDir, 'results.md')}, ${join(outDir, 'curves.csv')}, ${join(outDir, 'decisions.jsonl')}, ${join(outDir, 'summary.json')} and one figure per test world (fig-*.svg/.png)`,
  );
}

/** `experiment systems`: learning over systems of places (experiments/systems-experiment.ts). */
function systemsExperiment(cmd: Command, opts: ExperimentCliOptions): void {
  const allowed = new Set([
    'quick',
    'out',
    'seed',
    'iterations',
    'adaptSteps',
    'maxDags',
    'optimalTimeLimit',
    'dataRoot',
  ]);
  const notHere = cmd.options
    .map((o) => o.attributeName())
    .filter((k) => !allowed.has(k) && cmd.getOptionValueSource(k) === 'cli');
  if (notHere.length > 0)
    throw new UsageError(
      `experiment systems has its own settings: ${notHere.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} ${notHere.length === 1 ? 'does' : 'do'} not apply (it takes --quick, --out, --seed, --iterations, --adapt-steps, --max-dags, --optimal-time-limit, --data-root)`,
    );
  const settings = systemsExperimentSettings(opts.quick === true, opts.seed ?? 1);
  if (opts.iterations !== undefined) settings.meta = { ...settings.meta, iterations: opts.iterations };
  if (opts.adaptSteps !== undefined) settings.adaptSteps = opts.adaptSteps;
  if (opts.maxDags !== undefined) settings.evalDags = opts.maxDags;
  if (opts.optimalTimeLimit !== undefined) settings.optimalTimeLimitMs = opts.optimalTimeLimit * 1000;
  // The evaluation DAGs: the paper's first Table 3 set when the data root has it, else generated ones.
  const setDir = join(opts.dataRoot, 'meta_offloading_20', 'offload_random20_8');
  const fromRoot = existsSync(setDir);
  const evalDags = fromRoot
    ? readDataset(setDir, settings.evalDags).dags
    : generateDags({ ...DEFAULT_GENERATOR_PARAMS, n: 20, seed: 99 }, settings.evalDags);
  const evalName = fromRoot ? 'offload_random20_8' : 'generated DAGs (n = 20, seed 99)';
  const outDir = opts.out ?? join('runs', `experiment-systems${opts.quick ? '-quick' : ''}`);
  const be = getBackend();
  const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
  log(`experiment systems${opts.quick ? ' (quick)' : ''}: backend ${be.name} -> ${outDir}`);
  lockFolder(outDir);
  runSystemsExperiment({ be, settings, evalDags, evalName, outDir, onStage: log });
  console.log(
    `wrote ${join(outDir, 'results.md')}, ${join(outDir, 'results.json')} (every plan) and the policies mrlco-places.bin, drl-places.bin`,
  );
}
