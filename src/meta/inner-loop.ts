/**
 * Alg. 1, lines 5-7: the inner loop for one learning task. Start from θ, sample trajectories with it,
 * run m PPO gradient steps with a fresh Adam (learning rate α), return θ'. A pure function of its
 * inputs (the RNG stream is derived from the seed, the iteration and the task's slot in the
 * meta-batch), so that running inner loops in parallel gives the same θ' as running them in turn.
 */
import { innerLoopStream, streamRng } from '../util/rng-streams.js';
import { profiled } from '../util/profile.js';
import type { Backend } from '../nn/backend.js';
import { Adam } from '../nn/adam.js';
import type { OffloadingPolicy } from '../policy/policy.js';
import { adamConfigOf, type PpoConfig } from '../rl/config.js';
import type { CompiledTask } from '../rl/learning-task.js';
import { ppoUpdate } from '../rl/ppo.js';
import { allDags, drawSubset, sampleRollout, type DagRef } from '../rl/sampler.js';
import type { Rng } from '../util/rng.js';

export interface InnerLoopJob {
  seed: number;
  iteration: number;
  /** The task's position in this iteration's meta-batch. */
  slot: number;
}

/** The RNG stream of one inner loop: distinct per (iteration, slot), independent of execution order. */
export function innerLoopRng(job: InnerLoopJob): Rng {
  return streamRng(job.seed, 'innerLoop', innerLoopStream(job.iteration, job.slot));
}

export function drawTaskDags(task: CompiledTask, count: number, rng: Rng): DagRef[] {
  return drawSubset(allDags([task]), count, rng);
}

/** Runs the inner loop on `scratch` (its parameters are overwritten with θ first); returns θ', the sampled makespan and the number of trajectories. */
export function runInnerLoop(
  be: Backend,
  scratch: OffloadingPolicy,
  theta: Float32Array,
  task: CompiledTask,
  ppo: PpoConfig,
  job: InnerLoopJob,
): { thetaPrime: Float32Array; sampledMakespanMs: number; samples: number } {
  scratch.params.setValues(theta);
  const rng = innerLoopRng(job);
  const dags = drawTaskDags(task, ppo.dagsPerBatch, rng);
  const rollout = profiled('sampling', () => sampleRollout(be, scratch, dags, ppo.trajectoriesPerDag, rng));
  const adam = new Adam(scratch.params.size, adamConfigOf(ppo));
  profiled('ppo', () => ppoUpdate(be, scratch, adam, rollout, ppo, rng));
  let sum = 0;
  for (const m of rollout.makespans) sum += m;
  return {
    thetaPrime: scratch.params.values.slice(),
    sampledMakespanMs: sum / rollout.makespans.length,
    samples: rollout.makespans.length,
  };
}
