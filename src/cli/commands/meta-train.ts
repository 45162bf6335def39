import { lockFolder } from '../../util/folder-lock.js';
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { metaTrain } from '../../meta/meta-trainer.js';
import { learningTaskOf } from '../../experiments/drl.js';
import { loadPresetTasks, PRESET_NAMES, PRESETS, type PresetName } from '../../experiments/presets.js';
import { getBackend } from '../../nn/select-backend.js';
import { DEFAULT_RUN, mergeRunConfig, type RunConfig } from '../../rl/config.js';
import type { LearningTask } from '../../rl/learning-task.js';
import { checkpointPathOf } from '../../rl/run-folder.js';
import { sharedSystem } from '../../rl/checkpoint.js';
import { parseIntIn } from '../options.js';
import { UsageError } from '../../util/errors.js';
import {
  recordedChanges,
  recordedPreset,
  refuseChanges,
  settingChanges,
  storedRunOf,
  type StoredRun,
} from '../resume.js';
import { MAX_DATASET_DAGS } from '../../util/limits.js';
import { progressBar } from '../progress.js';
import { stopOnSignal } from '../interrupt.js';
import {
  addRunOptions,
  learningFlags,
  runConfigFromOptions,
  settingsPatch,
  type RunCliOptions,
} from '../run-options.js';
import { defaultDataRoot, defaultTraces } from '../data-root.js';
import { worldExperimentSettings, worldTasks } from '../../experiments/world-experiment.js';
import { addWorkersOption, limitBlasThreadsForWorkers } from '../workers.js';

interface MetaTrainOptions extends RunCliOptions {
  preset?: PresetName | 'worlds';
  traces?: string;
  out?: string;
  resume?: boolean;
  dataRoot: string;
  workers: number;
  maxDags?: number;
  json?: boolean;
}

export function metaTrainCommand(): Command {
  const cmd = new Command('meta-train')
    .description('MRLCO meta-training (Alg. 1) on the training tasks of a preset experiment')
    .addOption(
      new Option(
        '--preset <name>',
        'the experiment whose training tasks to use (required unless resuming)',
      ).choices([...PRESET_NAMES, 'worlds']),
    )
    .option('--traces <dir>', "worlds: the folder of Mahimahi's traces", defaultTraces())
    .option('--out <dir>', 'run folder (default: runs/meta-<preset>-<seed>)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option(
      '--data-root <dir>',
      'folder with the paper datasets (meta_offloading_20/, meta_offloading_n/)',
      defaultDataRoot(),
    )
    .option('--max-dags <n>', 'use only the first n DAGs of each dataset', parseIntIn(1, MAX_DATASET_DAGS))
    .option('--json', 'make the last line of output a JSON summary');
  addRunOptions(cmd, { system: false, meta: "the preset's: 10 or 5" });
  addWorkersOption(cmd, 'the inner loops and the evaluation');
  return cmd.action(async (opts: MetaTrainOptions, command: Command) => {
    limitBlasThreadsForWorkers(opts.workers);
    // A resume continues the stored run: its settings, preset and data are the defaults, a differing flag is refused.
    const stored = opts.resume ? storedRunOf(opts.out) : undefined;
    const recorded = stored?.description ?? {};
    const presetName =
      opts.preset ?? (stored ? recordedPreset(recorded, stored.dir, [...PRESET_NAMES, 'worlds']) : undefined);
    if (!presetName) throw new UsageError('--preset is required: the experiment whose training tasks to use');
    if (presetName === 'worlds') return metaTrainWorlds(opts, stored, command);
    const preset = PRESETS[presetName as PresetName];
    const dataRoot =
      stored &&
      command.getOptionValueSource('dataRoot') === 'default' &&
      typeof recorded.dataRoot === 'string'
        ? recorded.dataRoot
        : opts.dataRoot;
    const maxDags = opts.maxDags ?? (typeof recorded.maxDags === 'number' ? recorded.maxDags : undefined);
    const config = runConfigFromOptions(
      opts,
      stored?.run ?? mergeRunConfig(DEFAULT_RUN, { meta: { metaBatch: preset.metaBatch } }, 'preset'),
      { meta: "the preset's" },
    );
    // What config.json records besides the settings: the preset, where its data is, how much of it.
    const description = { preset: preset.name, dataRoot, maxDags: maxDags ?? null };
    if (stored)
      refuseChanges(stored.dir, [
        ...settingChanges(stored, config),
        ...recordedChanges(recorded, description, {
          preset: '--preset',
          dataRoot: '--data-root',
          maxDags: '--max-dags',
        }),
      ]);
    const train = loadPresetTasks(preset.train, dataRoot, maxDags);
    const test = loadPresetTasks(preset.test, dataRoot, maxDags);
    await trainAndReport(opts, {
      config,
      train: train.map(learningTaskOf),
      test: test.map(learningTaskOf),
      description,
      outDir: opts.out ?? join('runs', `meta-${preset.name}-${config.seed}`),
      label: `${train.length} tasks of preset ${preset.name}`,
    });
  });
}

/**
 * `meta-train --preset worlds`: MRLCO over the training worlds of `experiment worlds`, with its settings
 * (the same policy as that experiment's MRLCO stage; the shipped online policy, npm run build:online-policy).
 */
async function metaTrainWorlds(
  opts: MetaTrainOptions,
  stored: StoredRun | undefined,
  command: Command,
): Promise<void> {
  if (opts.maxDags !== undefined)
    throw new UsageError('--max-dags: the worlds preset takes its own DAGs (those of experiment worlds)');
  const patch = settingsPatch(opts, learningFlags());
  const settings = worldExperimentSettings(false, patch);
  const config = stored ? mergeRunConfig(stored.run, patch, 'command line') : settings.run;
  // A resume keeps where its data and traces are unless a flag says otherwise (then it must agree).
  const recorded = stored?.description ?? {};
  const kept = (option: 'dataRoot' | 'traces', given: string): string =>
    stored && command.getOptionValueSource(option) === 'default' && typeof recorded[option] === 'string'
      ? (recorded[option] as string)
      : given;
  const description = {
    preset: 'worlds',
    dataRoot: kept('dataRoot', opts.dataRoot),
    traces: kept('traces', String(opts.traces)),
  };
  if (stored)
    refuseChanges(stored.dir, [
      ...settingChanges(stored, config),
      ...recordedChanges(recorded, description, { dataRoot: '--data-root', traces: '--traces' }),
    ]);
  const { dataRoot, traces } = description;
  // The worlds' seeds derive from the run's seed: the stored one on a resume.
  const { train, test } = worldTasks({ ...settings, run: config }, dataRoot, traces);
  await trainAndReport(opts, {
    config,
    train,
    test,
    description,
    outDir: opts.out ?? join('runs', `meta-worlds-${config.seed}`),
    label: `${train.length} training worlds`,
  });
}

/** Meta-trains on the tasks into a run folder, with a progress bar, Ctrl-C handling and the summary. */
async function trainAndReport(
  opts: MetaTrainOptions,
  run: {
    config: RunConfig;
    train: LearningTask[];
    test: LearningTask[];
    description: Record<string, unknown>;
    outDir: string;
    label: string;
  },
): Promise<void> {
  const { config, train, test, outDir } = run;
  lockFolder(outDir);
  const be = getBackend();
  console.error(
    `meta-training on ${run.label}, meta-batch ${config.meta.metaBatch}, backend ${be.name}, ${opts.workers} workers -> ${outDir}`,
  );
  const bar = progressBar('meta-train', config.iterations);
  const started = performance.now();
  const resumeHint = `mrlco meta-train --out ${outDir} --resume`;
  const stop = stopOnSignal(resumeHint);
  const result = await metaTrain({
    be,
    config,
    trainTasks: train,
    testTasks: test,
    workers: opts.workers,
    outDir,
    ...(opts.resume ? { resume: true } : {}),
    description: run.description,
    shouldStop: stop.requested,
    onIteration: (m) =>
      bar.update(
        m.iteration,
        `inner sampled ${m.innerSampledMakespanMs.toFixed(1)} ms | meta policy train ${m.trainMakespanMs?.toFixed(1) ?? '-'} test ${m.testMakespanMs?.toFixed(1) ?? '-'} ms | ${m.wallS.toFixed(1)} s/it`,
      ),
  });
  stop.dispose();
  bar.stop();
  const last = result.metrics[result.metrics.length - 1];
  const summary = {
    outDir,
    checkpoint: checkpointPathOf(outDir),
    iterations: config.iterations,
    resumedFrom: result.resumedFrom ?? null,
    stoppedAt: result.stoppedAt ?? null,
    trainMakespanMs: last?.trainMakespanMs ?? null,
    testMakespanMs: last?.testMakespanMs ?? null,
    // The model of those makespans: the tasks share a profile; their systems (rates) may differ.
    preset: run.description.preset,
    profile: train[0]?.profile ?? null,
    system: sharedSystem([...train, ...test].map((t) => t.system)),
    wallS: (performance.now() - started) / 1000,
  };
  if (result.stoppedAt !== undefined) {
    process.exitCode = 130;
    console.error(
      `stopped after iteration ${result.stoppedAt} of ${config.iterations}; continue with: ${resumeHint}`,
    );
  }
  if (opts.json) console.log(JSON.stringify(summary));
  else
    console.log(`${result.stoppedAt !== undefined ? 'stopped' : 'done'}: checkpoint ${summary.checkpoint}`);
}
