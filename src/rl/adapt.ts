/**
 * Fast adaptation (Sec. 5.3): starting from a trained policy, a few PPO update steps on a new learning
 * task. Each update step samples `trajectoriesPerDag` trajectories per DAG, then runs the PPO update
 * (m gradient steps, a fresh Adam as in Alg. 1's inner loop). The argmax policy is evaluated before
 * the first step and after every step: the curves of Figs. 6-8. At the report steps the plans
 * themselves are kept (argmax, and the best of argmax + K samples), so that every reported number can
 * be re-simulated.
 */
import { streamRng } from '../util/rng-streams.js';
import type { Backend } from '../nn/backend.js';
import { Adam } from '../nn/adam.js';
import { createPolicy } from '../policy/create.js';
import type { OffloadingPolicy } from '../policy/policy.js';
import { adamConfigOf, type PpoConfig } from './config.js';
import type { CompiledTask } from './learning-task.js';
import { PlayWorkers } from './play-workers.js';
import { ppoUpdate, type PpoStats } from './ppo.js';
import {
  allDags,
  drawSubset,
  evaluateGreedy,
  evaluationDags,
  inferPlans,
  sampleRollout,
  type DagRef,
} from './sampler.js';
import { mean } from './trainer.js';
import { ONLINE_CONTEXT_FEATURE_COUNT } from './online-env.js';
import { CONTEXT_FEATURE_COUNT, WorldContext } from './world-context.js';

export interface AdaptPoint {
  step: number;
  /** Mean argmax-decoded makespan over the task's DAGs (ms). */
  makespanMs: number;
  /** At report steps: each DAG's argmax plan (task-index order) and makespan. */
  plans?: Uint8Array[];
  makespans?: number[];
  /** At report steps with samples > 0: the best of argmax + K sampled plans per DAG. */
  bestOf?: { samples: number; makespanMs: number; plans: Uint8Array[]; makespans: number[] };
  stats?: PpoStats;
  wallS: number;
}

export interface AdaptOptions {
  be: Backend;
  /** The starting parameters (copied; the caller's policy is not changed). */
  from: OffloadingPolicy;
  task: CompiledTask;
  ppo: PpoConfig;
  steps: number;
  seed: number;
  /** Steps whose plans are kept (default none). */
  reportSteps?: readonly number[];
  /** K for the best-of-K plans at report steps (default 0: argmax only). */
  samples?: number;
  onStep?: (p: AdaptPoint, policy: OffloadingPolicy) => void;
  /** Play the episodes in this many worker threads (0: here); the numbers are the same. */
  workers?: number;
  /** The episodes of each evaluation (default: evaluationDags of the task: in a world, held-out realisations). */
  evalDags?: readonly DagRef[];
  /** DAGs drawn (with the data stream) per update step; default every DAG of the task. */
  dagsPerStep?: number;
  /** Evaluate only after these steps (default: every step); step 0 and the report steps always. */
  evaluateSteps?: readonly number[];
  /**
   * false: play each step's episodes but take no gradient step (a policy that reads the world's
   * context then adapts in context only). Default true.
   */
  update?: boolean;
}

export function adaptPolicy(o: AdaptOptions): { policy: OffloadingPolicy; curve: AdaptPoint[] } {
  const policy = createPolicy(o.from.config, 0);
  policy.params.setValues(o.from.params.values);
  const adam = new Adam(policy.params.size, adamConfigOf(o.ppo));
  const sampleRng = streamRng(o.seed, 'adaptSample');
  const dataRng = streamRng(o.seed, 'adaptData');
  const dags = allDags([o.task]);
  const evalDags = o.evalDags ?? evaluationDags([o.task]);
  const report = new Set(o.reportSteps ?? []);
  const evaluate = o.evaluateSteps ? new Set([0, ...o.evaluateSteps, ...report]) : undefined;
  // A policy that reads the world's context: every episode played here is added to it, and the next
  // episodes and the evaluations see it (what a deployed device would know of its world).
  const context =
    o.task.world && policy.stepFeatures === ONLINE_CONTEXT_FEATURE_COUNT ? new WorldContext() : undefined;
  const withContext = (refs: readonly DagRef[]): readonly DagRef[] => {
    if (!context) return refs;
    const features = new Float32Array(CONTEXT_FEATURE_COUNT);
    context.features(features);
    return refs.map((r) => ({ ...r, context: features }));
  };
  const samples = o.samples ?? 0;
  const curve: AdaptPoint[] = [];
  const workers = o.workers ? new PlayWorkers(o.workers, [o.task], o.from.config.neighbours) : undefined;
  const record = (step: number, started: number, stats?: PpoStats): void => {
    const greedy = evaluateGreedy(o.be, policy, withContext(evalDags), workers);
    const point: AdaptPoint = { step, makespanMs: mean(greedy.makespans), wallS: 0 };
    if (report.has(step)) {
      point.plans = greedy.plans;
      point.makespans = Array.from(greedy.makespans);
      if (samples > 0) {
        // Its own stream per step, so that the report does not change the training's samples.
        const best = inferPlans(o.be, policy, withContext(evalDags), {
          samples,
          polish: false,
          rng: streamRng(o.seed, 'adaptReport', step),
          argmax: greedy,
          workers,
        });
        point.bestOf = {
          samples,
          makespanMs: mean(best.makespans),
          plans: best.plans,
          makespans: Array.from(best.makespans),
        };
      }
    }
    if (stats) point.stats = stats;
    point.wallS = (performance.now() - started) / 1000;
    curve.push(point);
    o.onStep?.(point, policy);
  };
  try {
    record(0, performance.now());
    for (let step = 1; step <= o.steps; step++) {
      const started = performance.now();
      const batch = o.dagsPerStep ? drawSubset(dags, o.dagsPerStep, dataRng) : dags;
      const rollout = sampleRollout(
        o.be,
        policy,
        withContext(batch),
        o.ppo.trajectoriesPerDag,
        sampleRng,
        workers,
      );
      if (context && rollout.summaries) context.add(rollout.summaries);
      const stats = o.update === false ? undefined : ppoUpdate(o.be, policy, adam, rollout, o.ppo, dataRng);
      if (!evaluate || evaluate.has(step)) record(step, started, stats);
    }
  } finally {
    void workers?.close();
  }
  return { policy, curve };
}
