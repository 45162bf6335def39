/**
 * Row layouts shared by the policy networks: time-major ↔ batch-major transposes, the head's rows
 * [rows × 3] (two logits and the value) split into logits and values and joined back for gradients,
 * and log π(a) from logits. Each writes into a buffer the caller owns.
 */

/** Outputs of the policy head per row: two action logits and the value. */
export const HEAD_OUT = 3;

/** Head rows [rows × 3] → logits [rows × 2] and values [rows]. */
export function splitHead(
  rows: number,
  head: Float32Array,
  logits: Float32Array,
  values: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    logits[2 * r] = head[3 * r];
    logits[2 * r + 1] = head[3 * r + 1];
    values[r] = head[3 * r + 2];
  }
}

/** The inverse of splitHead for gradients, into dHead [rows × 3]. */
export function joinHead(
  rows: number,
  dLogits: Float32Array,
  dValues: Float32Array,
  dHead: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    dHead[3 * r] = dLogits[2 * r];
    dHead[3 * r + 1] = dLogits[2 * r + 1];
    dHead[3 * r + 2] = dValues[r];
  }
}

/** [T × B × H] → [B × T × H]. */
export function transposeTB(T: number, B: number, H: number, src: Float32Array, out: Float32Array): void {
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++) copyRow(src, (t * B + b) * H, out, (b * T + t) * H, H);
}

/** [B × T × H] → [T × B × H]. */
export function transposeBT(B: number, T: number, H: number, src: Float32Array, out: Float32Array): void {
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) copyRow(src, (b * T + t) * H, out, (t * B + b) * H, H);
}

/** dst[to..to+n) = src[from..from+n): a loop for short rows (a subarray view per row costs more), set() for long ones. */
export function copyRow(src: Float32Array, from: number, dst: Float32Array, to: number, n: number): void {
  if (n > 32) dst.set(src.subarray(from, from + n), to);
  else for (let k = 0; k < n; k++) dst[to + k] = src[from + k];
}

/** log π(a) for given actions from logits [B × T × 2] (a new array: the caller keeps it). */
export function logProbsOf(logits: Float32Array, actions: Uint8Array): Float32Array {
  const out = new Float32Array(actions.length);
  for (let r = 0; r < actions.length; r++) {
    const l0 = logits[2 * r];
    const l1 = logits[2 * r + 1];
    const m = Math.max(l0, l1);
    const lse = m + Math.log(Math.exp(l0 - m) + Math.exp(l1 - m));
    out[r] = (actions[r] === 1 ? l1 : l0) - lse;
  }
  return out;
}
