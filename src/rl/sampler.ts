/**
 * Vectorised episodes: many DAGs × several trajectories decoded by the policy in one batch, closed
 * loop (the environment advances the latency model as actions are chosen and hands the policy the
 * state's step features), for PPO's rollouts and for deployment-style evaluation: argmax decoding (the
 * paper's inference) and, beyond it, the best of K sampled plans and a local search on the plan.
 */
import { polishByFlips } from '../mec/local-search.js';
import type { Backend } from '../nn/backend.js';
import { drawUniforms } from '../policy/decode.js';
import type { ObservationBatch } from '../policy/observation.js';
import type { OffloadingPolicy } from '../policy/policy.js';
import type { Rng } from '../util/rng.js';
import { MAX_INFERENCE_SAMPLES } from '../util/limits.js';
import type { DagRef } from './env.js';
import {
  chunkRanges,
  chunkUniforms,
  mergeChunks,
  playChunk,
  type EpisodeBatch,
  type EpisodeWorkers,
  type PlayMode,
} from './episode-chunks.js';
import type { CompiledTask } from './learning-task.js';
import { ONLINE_CONTEXT_FEATURE_COUNT } from './online-env.js';
import { MAX_CONTEXT_EPISODES } from './world-context.js';

export type { DagRef, EpisodeWorkers };

export interface Rollout extends EpisodeBatch {
  /** Each row's group: rows sampled from the same DAG share one (the group baseline's unit). */
  groups: Int32Array;
}

/**
 * Plays one episode per row of `refs` with the policy, sampling with `rng` or taking the argmax, in
 * chunks (episode-chunks.ts): in `workers` when given, else in turn here; the same numbers either way.
 */
export function playEpisodes(
  be: Backend,
  policy: OffloadingPolicy,
  refs: readonly DagRef[],
  mode: PlayMode,
  rng?: Rng,
  workers?: EpisodeWorkers,
): Rollout {
  if (mode === 'sample' && !rng) throw new Error('sampling needs an Rng');
  if (refs.length === 0) throw new Error('playEpisodes: no episodes to play');
  const groups = Int32Array.from(refs, (_, b) => b);
  const B = refs.length;
  const lens = refs.map((r) => r.task.problems[r.dag].order.length);
  const T = Math.max(...lens);
  const all = mode === 'sample' ? drawUniforms(T, lens, rng!) : undefined;
  const chunks = chunkRanges(B);
  const uniforms = chunks.map((c) => (all ? chunkUniforms(all, B, refs, c) : undefined));
  const parts =
    workers?.play(policy, refs, chunks, mode, uniforms) ??
    chunks.map(([a, e], c) => playChunk(be, policy, refs.slice(a, e), mode, uniforms[c]));
  return { ...mergeChunks(refs, policy.stepFeatures, chunks, parts), groups };
}

/**
 * Realisations of a world's DAGs (world/world.ts): training episodes draw theirs below
 * TRAINING_REALISATIONS, evaluations use the ones above, so that a policy is never scored on a
 * realisation it was trained on.
 */
export const TRAINING_REALISATIONS = 3072;

/**
 * PPO's batch: `trajectoriesPerDag` sampled episodes of every DAG. A DAG of a world without a
 * realisation draws one (from `rng`, before the actions), shared by its trajectories: the group
 * baseline then compares actions in the same realisation; a policy that reads the world's context
 * gets, likewise, the context of a random number of the DAG's earlier episodes.
 */
export function sampleRollout(
  be: Backend,
  policy: OffloadingPolicy,
  dags: readonly DagRef[],
  trajectoriesPerDag: number,
  rng: Rng,
  workers?: EpisodeWorkers,
): Rollout {
  const rows: DagRef[] = [];
  const readsContext = policy.stepFeatures === ONLINE_CONTEXT_FEATURE_COUNT;
  for (const dag of dags) {
    let ref = dag;
    if (dag.task.world && dag.realisation === undefined)
      ref = { ...ref, realisation: rng.int(0, TRAINING_REALISATIONS - 1) };
    // A stage of a deployment: the context of a random number of earlier episodes.
    if (dag.task.world && readsContext && !dag.context && dag.contextEpisodes === undefined)
      ref = { ...ref, contextEpisodes: rng.int(0, MAX_CONTEXT_EPISODES) };
    for (let k = 0; k < trajectoriesPerDag; k++) rows.push(ref);
  }
  const rollout = playEpisodes(be, policy, rows, 'sample', rng, workers);
  rollout.groups = Int32Array.from(rows, (_, r) => Math.floor(r / trajectoriesPerDag));
  return rollout;
}

/** Argmax decoding (the paper's inference): each DAG's plan in task-index order and its makespan. */
export function evaluateGreedy(
  be: Backend,
  policy: OffloadingPolicy,
  dags: readonly DagRef[],
  workers?: EpisodeWorkers,
): { makespans: Float64Array; plans: Uint8Array[] } {
  const r = playEpisodes(be, policy, dags, 'greedy', undefined, workers);
  return { makespans: r.makespans, plans: r.plans };
}

export interface InferenceOptions {
  /** K: sampled plans per DAG besides the argmax one; the best by the latency model is kept. */
  samples: number;
  /** Improve the kept plan by single-task flips. */
  polish: boolean;
  /** Needed when samples > 0. */
  rng?: Rng;
  /** The argmax plans when the caller has them already (they are decoded otherwise). */
  argmax?: { makespans: Float64Array; plans: Uint8Array[] };
  /** Play the episodes in these workers. */
  workers?: EpisodeWorkers;
}

/**
 * Inference beyond argmax: the best of the argmax plan and K sampled plans per DAG by the latency
 * model, optionally polished by single flips. With K = 0 and no polish it is evaluateGreedy.
 */
export function inferPlans(
  be: Backend,
  policy: OffloadingPolicy,
  dags: readonly DagRef[],
  options: InferenceOptions,
): { makespans: Float64Array; plans: Uint8Array[] } {
  const greedy = options.argmax ?? evaluateGreedy(be, policy, dags, options.workers);
  const makespans = greedy.makespans.slice();
  const plans: Uint8Array[] = greedy.plans.map((p) => p.slice());
  if (options.samples > 0) {
    if (!options.rng) throw new Error('sampling needs an Rng');
    if (!Number.isInteger(options.samples) || options.samples > MAX_INFERENCE_SAMPLES)
      throw new RangeError(
        `samples must be an integer up to ${MAX_INFERENCE_SAMPLES}, got ${options.samples}`,
      );
    const sampled = sampleRollout(be, policy, dags, options.samples, options.rng, options.workers);
    dags.forEach((_, d) => {
      for (let k = 0; k < options.samples; k++) {
        const row = d * options.samples + k;
        if (sampled.makespans[row] < makespans[d]) {
          makespans[d] = sampled.makespans[row];
          plans[d] = sampled.plans[row];
        }
      }
    });
  }
  if (options.polish)
    dags.forEach((ref, d) => {
      makespans[d] = polishByFlips(ref.task.problems[ref.dag], plans[d], makespans[d]);
    });
  return { makespans, plans };
}

/** `count` items drawn without replacement (a seeded partial shuffle), in their original order; all when fewer. */
export function drawSubset<T>(pool: readonly T[], count: number, rng: Rng): T[] {
  if (pool.length <= count) return [...pool];
  const idx = rng.partialShuffle(
    Array.from({ length: pool.length }, (_, i) => i),
    count,
  );
  return idx
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => pool[i]);
}

export function allDags(tasks: readonly CompiledTask[]): DagRef[] {
  return tasks.flatMap((task) => task.problems.map((_, dag) => ({ task, dag })));
}

/** Evaluation realisations per DAG of a world task (the first ones above the training range). */
export const EVALUATION_REALISATIONS = 2;
/** A policy reading the world's context is evaluated in training with this many earlier episodes. */
export const EVALUATION_CONTEXT_EPISODES = 16;

/**
 * The episodes an evaluation plays: every DAG, and in a world each DAG in EVALUATION_REALISATIONS
 * realisations above the training range (the same ones at every evaluation).
 */
export function evaluationDags(
  tasks: readonly CompiledTask[],
  realisations = EVALUATION_REALISATIONS,
): DagRef[] {
  return tasks.flatMap((task) =>
    task.problems.flatMap((_, dag) =>
      task.world
        ? Array.from({ length: realisations }, (__, r) => ({
            task,
            dag,
            realisation: TRAINING_REALISATIONS + r,
            contextEpisodes: EVALUATION_CONTEXT_EPISODES,
          }))
        : [{ task, dag }],
    ),
  );
}

/** Rows of a batch (for minibatches): a new time-major batch with the chosen rows. */
export function selectRows(obs: ObservationBatch, rows: readonly number[]): ObservationBatch {
  const { T, features, B, stepFeatures: S } = obs;
  const nb = rows.length;
  const x = new Float32Array(T * nb * features);
  const steps = new Float32Array(T * nb * S);
  const mask = new Float32Array(T * nb);
  const lens = Int32Array.from(rows, (r) => obs.lens[r]);
  for (let t = 0; t < T; t++) {
    rows.forEach((r, k) => {
      x.set(obs.x.subarray((t * B + r) * features, (t * B + r + 1) * features), (t * nb + k) * features);
      if (S > 0) steps.set(obs.steps.subarray((t * B + r) * S, (t * B + r + 1) * S), (t * nb + k) * S);
      mask[t * nb + k] = obs.mask[t * B + r];
    });
  }
  return { B: nb, T, features, x, lens, mask, stepFeatures: S, steps };
}
