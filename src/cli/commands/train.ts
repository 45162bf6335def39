import { lockFolder } from '../../util/folder-lock.js';
import { Command } from 'commander';
import { join } from 'node:path';
import { heuristicReferences, learningTaskOf, modelOf, trainDrl } from '../../experiments/drl.js';
import { runWorldBaselines } from '../../experiments/world-baselines.js';
import { mergeRunConfig, type RunConfig } from '../../rl/config.js';
import { compileTask, type WorldTask } from '../../rl/learning-task.js';
import { EVALUATION_REALISATIONS, TRAINING_REALISATIONS } from '../../rl/sampler.js';
import { UsageError } from '../../util/errors.js';
import { deciderByName } from '../../world/deciders.js';
import { addWorldOptions, worldGiven, worldSpecFromOptions, type WorldCliOptions } from '../world-options.js';
import { modelJson } from '../policy-model.js';
import { getBackend } from '../../nn/select-backend.js';
import { existsSync } from 'node:fs';
import { readDatasetArg } from '../dag-arg.js';
import type { TaskSpec } from '../../experiments/drl.js';
import { checkpointPathOf } from '../../rl/run-folder.js';
import { InputError } from '../../util/errors.js';
import {
  addRunOptions,
  runConfigFromOptions,
  systemDefaultsOfConfig,
  taskSpecsFromOptions,
  type RunCliOptions,
} from '../run-options.js';
import {
  dataChanges,
  refuseChanges,
  settingChanges,
  storedRunOf,
  systemChanges,
  type StoredDataset,
} from '../resume.js';
import { progressBar } from '../progress.js';
import { stopOnSignal } from '../interrupt.js';
import { addWorkersOption, limitBlasThreadsForWorkers } from '../workers.js';

interface TrainOptions extends RunCliOptions, WorldCliOptions {
  observation?: string;
  lookahead?: string;
  workers: number;
  out?: string;
  resume?: boolean;
  json?: boolean;
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description(
      'train one policy with PPO on one or more datasets (the fine-tuning DRL baseline, no meta-learning)',
    )
    .option('--data <dirs>', 'dataset folders, comma-separated (one learning task each)')
    .option(
      '--out <dir>',
      'run folder: config.json, metrics.jsonl/.csv, checkpoint.bin (default: runs/train-<seed>)',
    )
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--json', 'make the last line of output a JSON summary of the run');
  addRunOptions(cmd);
  addWorldOptions(cmd);
  addWorkersOption(cmd, 'the episodes (sampling and evaluation)');
  return cmd.action(async (opts: TrainOptions) => {
    limitBlasThreadsForWorkers(opts.workers);
    // A resume continues the stored run: its settings and data are the defaults, a differing flag is refused.
    const stored = opts.resume ? storedRunOf(opts.out) : undefined;
    const world = !stored && worldGiven(opts) ? worldSpecFromOptions(opts) : undefined;
    const config = onlineInWorld(runConfigFromOptions(opts, stored?.run), world !== undefined, opts);
    let specs: TaskSpec[];
    if (stored) {
      const datasets = storedDatasets(stored.description, stored.dir);
      const storedWorld = (datasets[0] as { world?: WorldTask }).world;
      const worldChange =
        worldGiven(opts) && JSON.stringify(worldSpecFromOptions(opts)) !== JSON.stringify(storedWorld?.spec)
          ? [{ option: '--world', stored: storedWorld?.spec ?? 'none', given: 'another world' }]
          : [];
      refuseChanges(stored.dir, [
        ...settingChanges(stored, config),
        ...dataChanges(datasets, opts.data),
        ...datasets.flatMap((d) => systemChanges(d, opts)),
        ...worldChange,
      ]);
      specs = datasets.map((d) => ({
        dataset: readDatasetArg(d.dir),
        system: d.system,
        profile: d.profile,
        ...(d.rankWeight ? { rankWeight: d.rankWeight } : {}),
        ...((d as { world?: WorldTask }).world ? { world: (d as { world?: WorldTask }).world } : {}),
      }));
    } else {
      // A run folder's config.json as --config brings the system it was trained in.
      specs = taskSpecsFromOptions(opts, systemDefaultsOfConfig(opts.config));
      if (world) specs = specs.map((s) => ({ ...s, world: { spec: world, seed: config.seed } }));
    }
    const outDir = opts.out ?? join('runs', `train-${config.seed}`);
    lockFolder(outDir);
    const refs = specs[0].world
      ? worldReferences(specs, config.policy.neighbours)
      : heuristicReferences(specs);
    const be = getBackend();
    const dags = specs.reduce((n, s) => n + s.dataset.dags.length, 0);
    console.error(
      `training on ${specs.map((s) => s.dataset.name).join(', ')} (${dags} DAGs, ${specs[0].profile} profile), backend ${be.name}, hidden ${config.policy.hidden}, seed ${config.seed} -> ${outDir}`,
    );
    let last: number | undefined;
    const bar = progressBar('train', config.iterations, 0);
    const started = performance.now();
    const resumeHint = `mrlco train --out ${outDir} --resume`;
    const stop = stopOnSignal(resumeHint);
    const result = await trainDrl({
      be,
      config,
      specs,
      outDir,
      workers: opts.workers,
      ...(opts.resume ? { resume: true } : {}),
      shouldStop: stop.requested,
      onIteration: (m) => {
        if (m.evalMakespanMs !== undefined) last = m.evalMakespanMs;
        bar.update(
          m.iteration,
          `policy ${last?.toFixed(1) ?? '-'} ms | ${referenceText(refs, 1)} | ${m.wallS.toFixed(1)} s/it`,
        );
      },
    });
    stop.dispose();
    bar.stop();
    const finalRow = result.metrics[result.metrics.length - 1];
    // The best over the whole run: the metrics of a resumed run include the iterations before it.
    const best = result.metrics.reduce((b, m) => Math.min(b, m.evalMakespanMs ?? Infinity), Infinity);
    // With no iteration run (--iterations 0) there is no checkpoint to report.
    const checkpoint = existsSync(checkpointPathOf(outDir)) ? checkpointPathOf(outDir) : null;
    const summary = {
      outDir,
      checkpoint,
      iterations: config.iterations,
      resumedFrom: result.resumedFrom ?? null,
      stoppedAt: result.stoppedAt ?? null,
      finalMakespanMs: finalRow?.evalMakespanMs ?? null,
      bestMakespanMs: Number.isFinite(best) ? best : null,
      // The model of the makespans: the datasets' one, or each dataset's.
      ...sharedModel(specs),
      ...refs,
      ...(specs[0].world ? { world: specs[0].world } : {}),
      wallS: (performance.now() - started) / 1000,
      backend: be.name,
    };
    if (result.stoppedAt !== undefined) {
      // Stopped by a signal: the run is incomplete, its checkpoint kept.
      process.exitCode = 130;
      console.error(
        `stopped after iteration ${result.stoppedAt} of ${config.iterations}; continue with: ${resumeHint}`,
      );
    }
    if (opts.json) console.log(JSON.stringify(summary));
    else
      console.log(
        `${result.stoppedAt !== undefined ? 'stopped' : 'done'}: argmax policy ${summary.finalMakespanMs?.toFixed(2) ?? '-'} ms (best ${summary.bestMakespanMs?.toFixed(2) ?? '-'}), ${referenceText(refs, 2)}; ${checkpoint ? `checkpoint ${checkpoint}` : 'no iteration run, no checkpoint written'}`,
      );
  });
}

/**
 * In a world a state-aware policy decides online: its observation defaults to `online` (with HEFT's rule
 * as its lookahead on the belief, the measured recipe of docs/training.md) unless the flags say.
 */
function onlineInWorld(config: RunConfig, inWorld: boolean, opts: TrainOptions): RunConfig {
  if (!inWorld || config.policy.arch === 'paper' || config.policy.observation !== 'model') return config;
  if (opts.observation !== undefined)
    throw new UsageError(
      '--observation model: a policy that sees the latency model cannot decide in a world',
    );
  return mergeRunConfig(
    config,
    { policy: { observation: 'online', ...(opts.lookahead === undefined ? { lookahead: 'heft' } : {}) } },
    'the world',
  );
}

/** The anchors of the progress line: the latency model's heuristics, or in a world the deciders'. */
function referenceText(refs: Record<string, number>, digits: number): string {
  const names: Record<string, string> = {
    heftMs: 'HEFT',
    heftRolloutMs: 'HEFT-rollout',
    greedyMs: 'Greedy',
    paperPlanMs: "paper's plan",
    onlineRuleMs: 'online rule',
  };
  return Object.entries(refs)
    .map(([k, v]) => `${names[k] ?? k} ${v.toFixed(digits)}`)
    .join(' | ');
}

/** In a world: the paper's up-front plan and the online rule on the evaluation's episodes. */
function worldReferences(specs: readonly TaskSpec[], neighbours: number): Record<string, number> {
  let paper = 0;
  let online = 0;
  let count = 0;
  for (const s of specs) {
    const task = compileTask(learningTaskOf(s), neighbours);
    const r = runWorldBaselines(
      s.dataset,
      ['heft-rollout', 'online'].map(deciderByName),
      task.world!,
      modelOf(s),
      {
        episodes: EVALUATION_REALISATIONS,
        firstRealisation: TRAINING_REALISATIONS,
        seed: s.world!.seed,
        timeLimitMs: 0,
      },
    );
    const n = s.dataset.dags.length * EVALUATION_REALISATIONS;
    paper += r.summaries.find((x) => x.decider === 'heft-rollout')!.meanMakespanMs * n;
    online += r.summaries.find((x) => x.decider === 'online')!.meanMakespanMs * n;
    count += n;
  }
  return { paperPlanMs: paper / count, onlineRuleMs: online / count };
}

/** The datasets, systems and profiles a stored run was trained on (its config.json). */
function storedDatasets(stored: Record<string, unknown>, dir: string): StoredDataset[] {
  const datasets = stored.datasets as StoredDataset[] | undefined;
  if (!Array.isArray(datasets) || datasets.length === 0)
    throw InputError.inFile(join(dir, 'config.json'), 'names no datasets: the run cannot be resumed');
  return datasets;
}

/** The model (profile, rank order, system) the datasets share, or each dataset's by name. */
function sharedModel(specs: readonly TaskSpec[]): object {
  const models = specs.map((s) => modelJson(s.system, modelOf(s)));
  return models.every((m) => JSON.stringify(m) === JSON.stringify(models[0]))
    ? models[0]
    : { models: Object.fromEntries(specs.map((s, k) => [s.dataset.name, models[k]])) };
}
