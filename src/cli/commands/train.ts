import { lockFolder } from '../../util/folder-lock.js';
import { Command } from 'commander';
import { join } from 'node:path';
import { heuristicReferences, trainDrl } from '../../experiments/drl.js';
import { getBackend } from '../../nn/select-backend.js';
import { existsSync } from 'node:fs';
import { readDatasetArg } from '../dag-arg.js';
import type { TaskSpec } from '../../experiments/drl.js';
import { loadCheckpoint } from '../../rl/checkpoint.js';
import { checkpointPathOf, readStoredConfig } from '../../rl/run-folder.js';
import { InputError } from '../../util/errors.js';
import {
  addRunOptions,
  runConfigFromOptions,
  taskSpecsFromOptions,
  type RunCliOptions,
} from '../run-options.js';
import { progressBar } from '../progress.js';
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
      'run folder: config.json, metrics.jsonl/.csv, checkpoint.bin (default runs/train-<seed>)',
    )
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--json', 'make the last line of output a JSON summary of the run');
  addRunOptions(cmd);
  addWorkersOption(cmd, 'the episodes (sampling and evaluation)');
  return cmd.action((opts: TrainOptions) => {
    limitBlasThreadsForWorkers(opts.workers);
    // A resume continues the stored run: its settings and data are the defaults, a differing flag is refused.
    const resumeDir =
      opts.resume && opts.out && existsSync(checkpointPathOf(opts.out)) ? opts.out : undefined;
    const stored = resumeDir ? readStoredConfig(resumeDir) : undefined;
    const storedRun = resumeDir ? loadCheckpoint(checkpointPathOf(resumeDir)).state.run : undefined;
    const config = runConfigFromOptions(opts, storedRun);
    const specs = opts.data || !stored ? taskSpecsFromOptions(opts) : specsOfStored(stored, resumeDir!);
    const outDir = opts.out ?? join('runs', `train-${config.seed}`);
    lockFolder(outDir);
    const refs = heuristicReferences(specs);
    const be = getBackend();
    const dags = specs.reduce((n, s) => n + s.dataset.dags.length, 0);
    console.error(
      `training on ${specs.map((s) => s.dataset.name).join(', ')} (${dags} DAGs, ${specs[0].profile} profile), backend ${be.name}, hidden ${config.policy.hidden}, seed ${config.seed} -> ${outDir}`,
    );
    let best = Infinity;
    let last: number | undefined;
    const bar = progressBar('train', config.iterations, 0);
    const started = performance.now();
    const result = trainDrl({
      be,
      config,
      specs,
      outDir,
      workers: opts.workers,
      ...(opts.resume ? { resume: true } : {}),
      onIteration: (m) => {
        if (m.evalMakespanMs !== undefined) {
          last = m.evalMakespanMs;
          best = Math.min(best, m.evalMakespanMs);
        }
        bar.update(
          m.iteration,
          `policy ${last?.toFixed(1) ?? '-'} ms | HEFT ${refs.heftMs.toFixed(1)} | HEFT-rollout ${refs.heftRolloutMs.toFixed(1)} | Greedy ${refs.greedyMs.toFixed(1)} | ${m.wallS.toFixed(1)} s/it`,
        );
      },
    });
    bar.stop();
    const finalRow = result.metrics[result.metrics.length - 1];
    // With no iteration run (--iterations 0) there is no checkpoint to report.
    const checkpoint = existsSync(checkpointPathOf(outDir)) ? checkpointPathOf(outDir) : null;
    const summary = {
      outDir,
      checkpoint,
      iterations: config.iterations,
      resumedFrom: result.resumedFrom ?? null,
      finalMakespanMs: finalRow?.evalMakespanMs ?? null,
      bestMakespanMs: Number.isFinite(best) ? best : null,
      heftMs: refs.heftMs,
      heftRolloutMs: refs.heftRolloutMs,
      greedyMs: refs.greedyMs,
      wallS: (performance.now() - started) / 1000,
      backend: be.name,
    };
    if (opts.json) console.log(JSON.stringify(summary));
    else
      console.log(
        `done: argmax policy ${summary.finalMakespanMs?.toFixed(2) ?? '-'} ms (best ${summary.bestMakespanMs?.toFixed(2) ?? '-'}), HEFT ${refs.heftMs.toFixed(2)}, HEFT-rollout ${refs.heftRolloutMs.toFixed(2)}, Greedy ${refs.greedyMs.toFixed(2)}; ${checkpoint ? `checkpoint ${checkpoint}` : 'no iteration run, no checkpoint written'}`,
      );
  });
}

/** The datasets, systems and profiles a stored run was trained on (its config.json). */
function specsOfStored(stored: Record<string, unknown>, dir: string): TaskSpec[] {
  const datasets = stored.datasets as {
    dir: string;
    profile: TaskSpec['profile'];
    system: TaskSpec['system'];
    rankWeight?: TaskSpec['rankWeight'];
  }[];
  if (!Array.isArray(datasets) || datasets.length === 0)
    throw InputError.inFile(`${dir}/config.json`, 'names no datasets; give --data');
  return datasets.map((d) => ({
    dataset: readDatasetArg(d.dir),
    system: d.system,
    profile: d.profile,
    ...(d.rankWeight ? { rankWeight: d.rankWeight } : {}),
  }));
}
