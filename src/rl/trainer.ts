/**
 * PPO training of one offloading policy (the DRL method of the paper's [12]): CleanRL-style, one
 * readable loop. Each iteration draws DAGs, samples trajectories, runs the PPO update, evaluates the
 * argmax policy, logs metrics and checkpoints atomically. A run in an existing folder resumes from its
 * checkpoint and continues exactly as an uninterrupted run would.
 */
import { endIteration, evaluatesAt, stopRequested } from './iteration-cadence.js';
import { streamRng } from '../util/rng-streams.js';
import { profiled } from '../util/profile.js';
import { PlayWorkers } from './play-workers.js';
import type { Backend } from '../nn/backend.js';
import { Adam } from '../nn/adam.js';
import { createPolicy } from '../policy/create.js';
import type { OffloadingPolicy } from '../policy/policy.js';
import { saveCheckpoint, sharedSystem } from './checkpoint.js';
import { checkpointPathOf, startRun } from './run-folder.js';
import { adamConfigOf, type RunConfig } from './config.js';
import type { CompiledTask } from './learning-task.js';
import { MetricsLog } from './metrics-log.js';
import { ppoUpdate, type PpoStats } from './ppo.js';
import { allDags, drawSubset, evaluateGreedy, evaluationDags, sampleRollout } from './sampler.js';

export interface IterationMetrics extends PpoStats {
  iteration: number;
  /** Mean makespan of the sampled trajectories (ms). */
  sampledMakespanMs: number;
  /** Mean makespan of argmax decoding over the evaluation DAGs (ms), when evaluated. */
  evalMakespanMs?: number;
  wallS: number;
}

export interface TrainOptions {
  be: Backend;
  config: RunConfig;
  tasks: readonly CompiledTask[];
  /** Run folder: config.json, metrics.jsonl/.csv, checkpoint.bin. Optional (tests). */
  outDir?: string;
  resume?: boolean;
  /** Start from these parameters instead of a fresh initialisation. */
  initialValues?: Float32Array;
  /** Play the episodes (sampling and evaluation) in this many worker threads (0: here). */
  workers?: number;
  /** Called after every iteration, e.g. for a progress bar. */
  onIteration?: (m: IterationMetrics) => void;
  /** Recorded in config.json (e.g. dataset paths). */
  description?: Record<string, unknown>;
  /** Asked after each iteration: true ends the run there, checkpointed (a Ctrl-C). */
  shouldStop?: () => boolean;
}

export interface TrainResult {
  policy: OffloadingPolicy;
  metrics: IterationMetrics[];
  resumedFrom?: number;
  /** The iteration the run stopped after when shouldStop asked it to. */
  stoppedAt?: number;
}

export async function trainPpo(options: TrainOptions): Promise<TrainResult> {
  const { be, config, tasks, outDir } = options;
  const { ppo } = config;
  const checkpointPath = outDir ? checkpointPathOf(outDir) : undefined;

  // Everything random derives from the one seed, one stream per purpose.
  const fresh = createPolicy(config.policy, config.seed);
  if (options.initialValues) fresh.params.setValues(options.initialValues);
  const adam = new Adam(fresh.params.size, adamConfigOf(ppo));
  const sampleRng = streamRng(config.seed, 'trainSample');
  const dataRng = streamRng(config.seed, 'trainData');
  const log = new MetricsLog(outDir);
  const { policy, start, resumedFrom } = startRun(outDir, config, {
    resume: options.resume,
    policy: fresh,
    adam,
    rngs: { sample: sampleRng, data: dataRng },
    log,
    description: { tasks: tasks.map((t) => t.task.name), ...options.description },
  });

  const pool = allDags(tasks);
  const metrics = log.rows as unknown as IterationMetrics[];
  const workers = options.workers
    ? new PlayWorkers(options.workers, tasks, config.policy.neighbours)
    : undefined;
  let stoppedAt: number | undefined;
  try {
    for (let iteration = start; iteration <= config.iterations; iteration++) {
      const started = performance.now();
      const batch = drawSubset(pool, ppo.dagsPerBatch, dataRng);
      const rollout = profiled('sampling', () =>
        sampleRollout(be, policy, batch, ppo.trajectoriesPerDag, sampleRng, workers),
      );
      const stats = profiled('ppo', () => ppoUpdate(be, policy, adam, rollout, ppo, dataRng));
      const row: IterationMetrics = {
        iteration,
        sampledMakespanMs: mean(rollout.makespans),
        ...stats,
        wallS: 0,
      };
      if (evaluatesAt(iteration, config)) {
        row.evalMakespanMs = profiled('evaluation', () =>
          mean(evaluateGreedy(be, policy, evaluationDags(tasks), workers).makespans),
        );
      }
      const save = checkpointPath
        ? () =>
            saveCheckpoint(checkpointPath, policy, adam, {
              run: config,
              iteration,
              rng: { sample: sampleRng.getState(), data: dataRng.getState() },
              info: {
                tasks: tasks.map((t) => t.task.name),
                profile: tasks[0]?.task.profile ?? null,
                rankWeight: tasks[0]?.task.rankWeight ?? null,
                system: sharedSystem(tasks.map((t) => t.task.system)),
              },
            })
        : undefined;
      endIteration(row, started, config, log, save, options.onIteration);
      if (await stopRequested(options.shouldStop, iteration, config, save)) {
        stoppedAt = iteration;
        break;
      }
    }
  } finally {
    void workers?.close();
  }
  return {
    policy,
    metrics,
    ...(resumedFrom !== undefined ? { resumedFrom } : {}),
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
  };
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length === 0 ? NaN : s / values.length;
}
