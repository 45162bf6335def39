import { lockFolder } from '../../util/folder-lock.js';
import { Command } from 'commander';
import { join } from 'node:path';
import { heuristicReferences, modelOf, trainDrl } from '../../experiments/drl.js';
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

interface TrainOptions extends RunCliOptions {
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
  addWorkersOption(cmd, 'the episodes (sampling and evaluation)');
  return cmd.action(async (opts: TrainOptions) => {
    limitBlasThreadsForWorkers(opts.workers);
    // A resume continues the stored run: its settings and data are the defaults, a differing flag is refused.
    const stored = opts.resume ? storedRunOf(opts.out) : undefined;
    const config = runConfigFromOptions(opts, stored?.run);
    let specs: TaskSpec[];
    if (stored) {
      const datasets = storedDatasets(stored.description, stored.dir);
      refuseChanges(stored.dir, [
        ...settingChanges(stored, config),
        ...dataChanges(datasets, opts.data),
        ...datasets.flatMap((d) => systemChanges(d, opts)),
      ]);
      specs = datasets.map((d) => ({
        dataset: readDatasetArg(d.dir),
        system: d.system,
        profile: d.profile,
        ...(d.rankWeight ? { rankWeight: d.rankWeight } : {}),
      }));
    } else {
      // A run folder's config.json as --config brings the system it was trained in.
      specs = taskSpecsFromOptions(opts, systemDefaultsOfConfig(opts.config));
    }
    const outDir = opts.out ?? join('runs', `train-${config.seed}`);
    lockFolder(outDir);
    const refs = heuristicReferences(specs);
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
          `policy ${last?.toFixed(1) ?? '-'} ms | HEFT ${refs.heftMs.toFixed(1)} | HEFT-rollout ${refs.heftRolloutMs.toFixed(1)} | Greedy ${refs.greedyMs.toFixed(1)} | ${m.wallS.toFixed(1)} s/it`,
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
      heftMs: refs.heftMs,
      heftRolloutMs: refs.heftRolloutMs,
      greedyMs: refs.greedyMs,
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
        `${result.stoppedAt !== undefined ? 'stopped' : 'done'}: argmax policy ${summary.finalMakespanMs?.toFixed(2) ?? '-'} ms (best ${summary.bestMakespanMs?.toFixed(2) ?? '-'}), HEFT ${refs.heftMs.toFixed(2)}, HEFT-rollout ${refs.heftRolloutMs.toFixed(2)}, Greedy ${refs.greedyMs.toFixed(2)}; ${checkpoint ? `checkpoint ${checkpoint}` : 'no iteration run, no checkpoint written'}`,
      );
  });
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
