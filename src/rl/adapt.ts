/**
 * Fast adaptation (Sec. 5.3): starting from a trained policy, a few PPO update steps on a new learning
 * task. Each update step samples `trajectoriesPerDag` trajectories per DAG, then runs the PPO update
 * (m gradient steps, a fresh Adam as in Alg. 1's inner loop). The argmax policy is evaluated before
 * the first step and after every step: the curves of Figs. 6-8.
 */
import type { Backend } from '../nn/backend.js';
import { Adam } from '../nn/adam.js';
import { Seq2SeqPolicy } from '../policy/seq2seq.js';
import { Rng } from '../util/rng.js';
import { adamConfigOf, type PpoConfig } from './config.js';
import type { CompiledTask } from './learning-task.js';
import { ppoUpdate, type PpoStats } from './ppo.js';
import { allDags, evaluateGreedy, sampleRollout } from './sampler.js';
import { mean } from './trainer.js';

export interface AdaptPoint {
  step: number;
  /** Mean argmax-decoded makespan over the task's DAGs (ms). */
  makespanMs: number;
  stats?: PpoStats;
  wallS: number;
}

export interface AdaptOptions {
  be: Backend;
  /** The starting parameters (copied; the caller's policy is not changed). */
  from: Seq2SeqPolicy;
  task: CompiledTask;
  ppo: PpoConfig;
  steps: number;
  seed: number;
  onStep?: (p: AdaptPoint) => void;
}

export function adaptPolicy(o: AdaptOptions): { policy: Seq2SeqPolicy; curve: AdaptPoint[] } {
  const policy = new Seq2SeqPolicy(o.from.config, 0);
  policy.params.setValues(o.from.params.values);
  const adam = new Adam(policy.params.size, adamConfigOf(o.ppo));
  const sampleRng = new Rng(o.seed, 11);
  const dataRng = new Rng(o.seed, 12);
  const dags = allDags([o.task]);
  const curve: AdaptPoint[] = [];
  const record = (step: number, started: number, stats?: PpoStats): void => {
    const point: AdaptPoint = {
      step,
      makespanMs: mean(evaluateGreedy(o.be, policy, dags).makespans),
      wallS: (performance.now() - started) / 1000,
      ...(stats ? { stats } : {}),
    };
    curve.push(point);
    o.onStep?.(point);
  };
  record(0, performance.now());
  for (let step = 1; step <= o.steps; step++) {
    const started = performance.now();
    const rollout = sampleRollout(o.be, policy, dags, o.ppo.trajectoriesPerDag, sampleRng);
    const stats = ppoUpdate(o.be, policy, adam, rollout, o.ppo, dataRng);
    record(step, started, stats);
  }
  return { policy, curve };
}
