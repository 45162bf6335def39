/**
 * MRLCO meta-training, Alg. 1 exactly: each iteration samples a meta-batch of n learning tasks; for each,
 * the inner loop starts from θ, samples trajectories with it and runs m PPO steps with Adam (α) → θ'_i;
 * then the first-order meta-gradient of Eq. (22), g = (1/n) Σ_i (θ'_i − θ) / (α m), is applied once per
 * iteration by the outer Adam (learning rate β) as gradient ascent θ ← θ + β·Adam(g). Inner loops run in
 * worker threads when asked, with the same results as running them in turn.
 */
import { endIteration, evaluatesAt, stopRequested } from '../rl/iteration-cadence.js';
import { streamRng } from '../util/rng-streams.js';
import { enterPhase, leavePhase, profiled } from '../util/profile.js';
import type { Backend } from '../nn/backend.js';
import { Adam } from '../nn/adam.js';
import { createPolicy } from '../policy/create.js';
import type { OffloadingPolicy } from '../policy/policy.js';
import { saveCheckpoint, sharedSystem } from '../rl/checkpoint.js';
import { checkpointPathOf, startRun } from '../rl/run-folder.js';
import { adamConfigOf, type RunConfig } from '../rl/config.js';
import type { LearningTask } from '../rl/learning-task.js';
import { MetaOffloadingEnv } from '../rl/meta-env.js';
import { MetricsLog } from '../rl/metrics-log.js';
import { evaluateGreedy, evaluationDags } from '../rl/sampler.js';
import { mean } from '../rl/trainer.js';
import { applyMetaUpdate } from './outer-update.js';
import { PlayWorkers } from '../rl/play-workers.js';
import { SequentialInnerLoops, WorkerInnerLoops, type InnerLoopRunner } from './inner-loop-pool.js';

export interface MetaIterationMetrics {
  iteration: number;
  /** Mean makespan of the trajectories the inner loops sampled (with θ), ms. */
  innerSampledMakespanMs: number;
  /** Mean argmax makespan of θ itself (no adaptation) on the training / test tasks, when evaluated. */
  trainMakespanMs?: number;
  testMakespanMs?: number;
  /** ‖g‖ of Eq. (22). */
  metaGradNorm: number;
  tasks: string;
  wallS: number;
}

export interface MetaTrainOptions {
  be: Backend;
  config: RunConfig;
  trainTasks: readonly LearningTask[];
  testTasks?: readonly LearningTask[];
  /** Inner loops in this many worker threads (0: in turn, in this thread). */
  workers?: number;
  outDir?: string;
  resume?: boolean;
  onIteration?: (m: MetaIterationMetrics) => void;
  description?: Record<string, unknown>;
  /** Asked after each iteration: true ends the run there, checkpointed (a Ctrl-C). */
  shouldStop?: () => boolean;
}

export interface MetaTrainResult {
  policy: OffloadingPolicy;
  metrics: MetaIterationMetrics[];
  resumedFrom?: number;
  /** The iteration the run stopped after when shouldStop asked it to. */
  stoppedAt?: number;
}

export async function metaTrain(o: MetaTrainOptions): Promise<MetaTrainResult> {
  const { be, config, outDir } = o;
  const { ppo, meta } = config;
  const env = new MetaOffloadingEnv(o.trainTasks, o.testTasks ?? [], config.policy.neighbours);
  const fresh = createPolicy(config.policy, config.seed);
  const outer = new Adam(fresh.params.size, adamConfigOf(ppo, meta.outerLearningRate));
  const taskRng = streamRng(config.seed, 'metaTasks');
  const log = new MetricsLog(outDir);
  const checkpointPath = outDir ? checkpointPathOf(outDir) : undefined;
  const { policy, start, resumedFrom } = startRun(outDir, config, {
    resume: o.resume,
    policy: fresh,
    adam: outer,
    rngs: { tasks: taskRng },
    log,
    description: {
      trainTasks: o.trainTasks.map((t) => t.name),
      testTasks: (o.testTasks ?? []).map((t) => t.name),
      ...o.description,
    },
  });

  const runner: InnerLoopRunner =
    o.workers && o.workers > 0
      ? new WorkerInnerLoops(o.workers, { tasks: o.trainTasks.map((t) => ({ ...t })), policy: config.policy })
      : new SequentialInnerLoops(be, env.train, config.policy);
  const theta = policy.params.values;
  // The evaluation's episodes in workers of their own (the inner-loop workers are idle meanwhile).
  const evalTasks = [...env.train, ...env.test];
  const evalWorkers = o.workers ? new PlayWorkers(o.workers, evalTasks, config.policy.neighbours) : undefined;
  let stoppedAt: number | undefined;
  try {
    for (let iteration = start; iteration <= config.iterations; iteration++) {
      const started = performance.now();
      const batch = env.sampleTasks(meta.metaBatch, taskRng);
      const jobs = batch.map((task, slot) => ({
        taskIndex: env.train.indexOf(task),
        job: { seed: config.seed, iteration, slot },
      }));
      enterPhase('inner-loops');
      const results = await runner.run(theta, jobs, ppo);
      leavePhase();
      // Eq. (22), summed in meta-batch order so that the result does not depend on which worker finished first.
      const metaGradNorm = profiled('outer-update', () =>
        applyMetaUpdate(outer, theta, results, ppo.learningRate, ppo.gradientSteps),
      );

      const row: MetaIterationMetrics = {
        iteration,
        innerSampledMakespanMs: mean(results.map((r) => r.sampledMakespanMs)),
        metaGradNorm,
        tasks: batch.map((t) => t.task.name).join(' '),
        wallS: 0,
      };
      if (evaluatesAt(iteration, config)) {
        enterPhase('evaluation');
        row.trainMakespanMs = mean(
          evaluateGreedy(be, policy, evaluationDags(env.train), evalWorkers).makespans,
        );
        if (env.test.length > 0)
          row.testMakespanMs = mean(
            evaluateGreedy(be, policy, evaluationDags(env.test), evalWorkers).makespans,
          );
        leavePhase();
      }
      const save = checkpointPath
        ? () =>
            saveCheckpoint(checkpointPath, policy, outer, {
              run: config,
              iteration,
              rng: { tasks: taskRng.getState() },
              info: {
                kind: 'meta',
                trainTasks: o.trainTasks.map((t) => t.name),
                profile: o.trainTasks[0]?.profile ?? null,
                system: sharedSystem(o.trainTasks.map((t) => t.system)),
              },
            })
        : undefined;
      endIteration(row, started, config, log, save, o.onIteration);
      if (await stopRequested(o.shouldStop, iteration, config, save)) {
        stoppedAt = iteration;
        break;
      }
    }
  } finally {
    await runner.close();
    await evalWorkers?.close();
  }
  return {
    policy,
    metrics: log.rows as unknown as MetaIterationMetrics[],
    ...(resumedFrom !== undefined ? { resumedFrom } : {}),
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
  };
}
