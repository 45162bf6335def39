/**
 * Decoding with the step features already in the batch (obs.steps), without an environment: for the
 * paper's network, which sees no state, this is its whole inference; for the others it replays stored
 * features (benchmarks, tests). Closed-loop decoding, where the environment computes the features as
 * actions are chosen, is rl/sampler.ts's playEpisodes.
 */
import type { Backend } from '../nn/backend.js';
import type { Rng } from '../util/rng.js';
import type { ObservationBatch } from './observation.js';
import { START_ACTION, type OffloadingPolicy } from './policy.js';

export interface DecodeResult {
  /** [B × T] chosen actions (0 beyond each DAG's length). */
  actions: Uint8Array;
  /** [B × T] log-probabilities of the chosen actions and the values. */
  logProbs: Float32Array;
  values: Float32Array;
}

/**
 * Step t's actions from the head rows [B × 3]: sampled (row b offloads when uniforms[b] < π(1)) or the
 * argmax. Writes `chosen` [B] and `prev` [B] (the next step's previous action), and the
 * log-probabilities and values [B × T] at t; rows past their DAG's length get action 0 and nothing else.
 */
export function selectActions(
  head: Float32Array,
  t: number,
  T: number,
  lens: ArrayLike<number>,
  mode: 'sample' | 'greedy',
  uniforms: ArrayLike<number> | undefined,
  chosen: Uint8Array,
  prev: Int32Array,
  logProbs: Float32Array,
  values: Float32Array,
): void {
  for (let b = 0; b < chosen.length; b++) {
    if (t >= lens[b]) {
      chosen[b] = 0;
      prev[b] = 0;
      continue;
    }
    const l0 = head[3 * b];
    const l1 = head[3 * b + 1];
    const m = Math.max(l0, l1);
    const lse = m + Math.log(Math.exp(l0 - m) + Math.exp(l1 - m));
    const action = mode === 'greedy' ? (l1 > l0 ? 1 : 0) : uniforms![b] < Math.exp(l1 - lse) ? 1 : 0;
    chosen[b] = action;
    prev[b] = action;
    logProbs[b * T + t] = (action === 1 ? l1 : l0) - lse;
    values[b * T + t] = head[3 * b + 2];
  }
}

/**
 * The uniforms of a sampled batch [T × B], time-major: one draw per real step, in step order and
 * within a step in row order (NaN past a row's length). Drawn up front, so that any split of the rows
 * into chunks samples exactly what the whole batch would.
 */
export function drawUniforms(T: number, lens: ArrayLike<number>, rng: Rng): Float64Array {
  const B = lens.length;
  const u = new Float64Array(T * B).fill(NaN);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t < lens[b]) u[t * B + b] = rng.next();
  return u;
}

export function decodeStored(
  be: Backend,
  policy: OffloadingPolicy,
  obs: ObservationBatch,
  mode: 'sample' | 'greedy',
  rng?: Rng,
): DecodeResult {
  if (mode === 'sample' && !rng) throw new Error('sampling needs an Rng');
  const { B, T, lens } = obs;
  const S = policy.stepFeatures;
  const decoder = policy.beginDecode(be, obs);
  const actions = new Uint8Array(B * T);
  const logProbs = new Float32Array(B * T);
  const values = new Float32Array(B * T);
  const prev = new Int32Array(B).fill(START_ACTION);
  const head = new Float32Array(B * 3);
  const chosen = new Uint8Array(B);
  const uniforms = mode === 'sample' ? drawUniforms(T, lens, rng!) : undefined;
  for (let t = 0; t < T; t++) {
    decoder.step(t, prev, obs.steps.subarray(t * B * S, (t + 1) * B * S), head);
    selectActions(
      head,
      t,
      T,
      lens,
      mode,
      uniforms?.subarray(t * B, (t + 1) * B),
      chosen,
      prev,
      logProbs,
      values,
    );
    for (let b = 0; b < B; b++) actions[b * T + t] = chosen[b];
  }
  return { actions, logProbs, values };
}
