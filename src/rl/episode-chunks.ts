/**
 * Episodes are played in chunks of CHUNK_ROWS rows, in turn or in worker threads, and merged into one
 * batch. The chunking is fixed (it does not depend on the number of workers) and the sampling
 * uniforms are drawn up front for the whole batch, so a run gives the same numbers with any number of
 * workers, and the same as one batch wherever the GEMM's rows do not depend on the batch (the builtin
 * kernels; tested).
 */
import type { Backend } from '../nn/backend.js';
import { selectActions } from '../policy/decode.js';
import { batchObservations, type ObservationBatch } from '../policy/observation.js';
import { decidesOnline, START_ACTION, type OffloadingPolicy } from '../policy/policy.js';
import { enterPhase, leavePhase, profiled } from '../util/profile.js';
import { OffloadingVectorEnv, type DagRef, type ObservationSettings } from './env.js';
import { OnlineVectorEnv } from './online-env.js';
import { SUMMARY_SIZE } from './world-context.js';

/** Rows per chunk: big enough for efficient batched passes, small enough to share out an evaluation. */
export const CHUNK_ROWS = 64;

export type PlayMode = 'sample' | 'greedy';

/** Played episodes as one batch: the observations as played and, per row, what the policy did. */
export interface EpisodeBatch {
  obs: ObservationBatch;
  /** [rows × T], batch-major. */
  actions: Uint8Array;
  logProbs: Float32Array;
  values: Float32Array;
  rewards: Float32Array;
  /** Each row's makespan (ms). */
  makespans: Float64Array;
  /** Each row's plan in task-index order. */
  plans: Uint8Array[];
  /** In a world: each row's episode summarised ([rows × SUMMARY_SIZE], rl/world-context.ts). */
  summaries?: Float64Array;
}

/** What one chunk's episodes produced: B-major arrays [rows × T], time-major step features [T × rows × S]. */
export interface ChunkResult {
  T: number;
  steps: Float32Array;
  actions: Uint8Array;
  logProbs: Float32Array;
  values: Float32Array;
  rewards: Float32Array;
  makespans: Float64Array;
  plans: Uint8Array[];
  summaries?: Float64Array;
}

/** Plays chunks somewhere else (worker threads); undefined when it cannot play these rows. */
export interface EpisodeWorkers {
  play(
    policy: OffloadingPolicy,
    refs: readonly DagRef[],
    chunks: readonly [number, number][],
    mode: PlayMode,
    uniforms: readonly (Float64Array | undefined)[],
  ): ChunkResult[] | undefined;
}

export function observationSettingsOf(policy: OffloadingPolicy): ObservationSettings {
  return { stepFeatures: policy.stepFeatures, lookahead: policy.config.lookahead };
}

/**
 * The row ranges [start, end) of the chunks of a batch of `rows` rows: ⌈rows / CHUNK_ROWS⌉ chunks of
 * near-equal size (so no chunk is tiny: the GEMM takes another path for products of ≤ 4 rows, which
 * would change a row's rounding, and the workers get even shares).
 */
export function chunkRanges(rows: number): [number, number][] {
  const count = Math.ceil(rows / CHUNK_ROWS);
  const out: [number, number][] = [];
  for (let c = 0; c < count; c++)
    out.push([Math.floor((c * rows) / count), Math.floor(((c + 1) * rows) / count)]);
  return out;
}

/** A chunk's part [T_c × rows] of the whole batch's uniforms [T × B] (T_c: the chunk's longest DAG). */
export function chunkUniforms(
  all: Float64Array,
  B: number,
  refs: readonly DagRef[],
  [a, e]: [number, number],
) {
  let Tc = 0;
  for (let b = a; b < e; b++) Tc = Math.max(Tc, refs[b].task.problems[refs[b].dag].order.length);
  const rows = e - a;
  const u = new Float64Array(Tc * rows);
  for (let t = 0; t < Tc; t++) for (let k = 0; k < rows; k++) u[t * rows + k] = all[t * B + a + k];
  return u;
}

/**
 * The environment of a chunk: the latency model (the paper's protocol), or, for the tasks of a world,
 * the world decided online (a chunk does not mix the two: a policy's observation is one or the other).
 */
export function environmentOf(
  refs: readonly DagRef[],
  policy: OffloadingPolicy,
): OffloadingVectorEnv | OnlineVectorEnv {
  const inWorld = refs.map((r) => r.task.world !== undefined);
  if (inWorld.some((w) => w !== inWorld[0]))
    throw new Error('a batch mixes tasks in a world with tasks in the latency model');
  const online = decidesOnline(policy.config);
  if (inWorld[0] && !online && policy.stepFeatures > 0)
    throw new Error("a policy that sees the latency model's state cannot decide online in a world");
  if (!inWorld[0] && online) throw new Error('a policy that decides online needs tasks in a world');
  return inWorld[0]
    ? new OnlineVectorEnv(refs, { lookahead: policy.config.lookahead, stepFeatures: policy.stepFeatures })
    : new OffloadingVectorEnv(refs, observationSettingsOf(policy));
}

/** Plays one episode per row of `refs` (sampling with the given uniforms [T × rows], or the argmax). */
export function playChunk(
  be: Backend,
  policy: OffloadingPolicy,
  refs: readonly DagRef[],
  mode: PlayMode,
  uniforms: Float64Array | undefined,
): ChunkResult {
  enterPhase('latency-model+features');
  const env = environmentOf(refs, policy);
  const { B, T, obs } = env;
  leavePhase();
  const decoder = profiled('network.decode', () => policy.beginDecode(be, obs));
  const logProbs = new Float32Array(B * T);
  const values = new Float32Array(B * T);
  const prev = new Int32Array(B).fill(START_ACTION);
  const head = new Float32Array(B * 3);
  const chosen = new Uint8Array(B);
  let features = profiled('latency-model+features', () => env.reset());
  for (let t = 0; t < T; t++) {
    enterPhase('network.decode');
    decoder.step(t, prev, features, head);
    leavePhase();
    enterPhase('sampling.select');
    const u = uniforms?.subarray(t * B, (t + 1) * B);
    selectActions(head, t, T, obs.lens, mode, u, chosen, prev, logProbs, values);
    leavePhase();
    enterPhase('latency-model+features');
    features = env.stepAll(chosen);
    leavePhase();
  }
  return {
    T,
    steps: obs.steps,
    actions: env.actions,
    logProbs,
    values,
    rewards: env.rewards,
    makespans: Float64Array.from(refs, (_, b) => env.makespanOf(b)),
    plans: refs.map((_, b) => env.planOf(b)),
    ...(env instanceof OnlineVectorEnv ? { summaries: env.summaries } : {}),
  };
}

/** The chunks' results as one batch over all of `refs`. */
export function mergeChunks(
  refs: readonly DagRef[],
  stepFeatures: number,
  chunks: readonly [number, number][],
  parts: readonly ChunkResult[],
): EpisodeBatch {
  const obs = batchObservations(
    refs.map((r) => r.task.encoded[r.dag]),
    refs[0].task.features,
    stepFeatures,
  );
  const { B, T } = obs;
  const S = stepFeatures;
  const actions = new Uint8Array(B * T);
  const logProbs = new Float32Array(B * T);
  const values = new Float32Array(B * T);
  const rewards = new Float32Array(B * T);
  const makespans = new Float64Array(B);
  const plans: Uint8Array[] = new Array(B);
  const summaries = parts.some((p) => p.summaries) ? new Float64Array(B * SUMMARY_SIZE) : undefined;
  chunks.forEach(([a, e], c) => {
    const p = parts[c];
    const rows = e - a;
    for (let k = 0; k < rows; k++) {
      const from = k * p.T;
      const to = (a + k) * T;
      actions.set(p.actions.subarray(from, from + p.T), to);
      logProbs.set(p.logProbs.subarray(from, from + p.T), to);
      values.set(p.values.subarray(from, from + p.T), to);
      rewards.set(p.rewards.subarray(from, from + p.T), to);
      makespans[a + k] = p.makespans[k];
      plans[a + k] = p.plans[k];
    }
    if (summaries && p.summaries)
      summaries.set(p.summaries.subarray(0, rows * SUMMARY_SIZE), a * SUMMARY_SIZE);
    if (S > 0)
      for (let t = 0; t < p.T; t++)
        obs.steps.set(p.steps.subarray(t * rows * S, (t + 1) * rows * S), (t * B + a) * S);
  });
  return { obs, actions, logProbs, values, rewards, makespans, plans, ...(summaries ? { summaries } : {}) };
}
