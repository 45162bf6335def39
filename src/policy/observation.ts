/**
 * The observation of Sec. 4.2: a DAG as a sequence of task embeddings in scheduling (descending rank)
 * order. Task k of the sequence is embedded as
 *   [k / n, T^UE, T^ul, T^s, T^dl (each divided by the DAG's mean T^UE),
 *    positions of up to p parents, positions of up to p children (each position / n, padded with −1)].
 * Positions in the sequence, not task ids, so that attention can relate tasks; times under the
 * current rates and server share, so that the policy sees the network; the per-DAG scale makes DAGs of
 * different sizes comparable.
 */
import type { OffloadingProblem } from '../mec/problem.js';
import { timeScaleOf } from './step-features.js';

export const DEFAULT_NEIGHBOURS = 12;

export function featureCount(neighbours: number): number {
  return 5 + 2 * neighbours;
}

/** Features of one DAG, [n × featureCount], row k = the k-th task of the scheduling order. */
export function encodeProblem(problem: OffloadingProblem, neighbours = DEFAULT_NEIGHBOURS): Float32Array {
  const { order, times, dag } = problem;
  const n = order.length;
  const F = featureCount(neighbours);
  const out = new Float32Array(n * F);
  const position = new Int32Array(n);
  order.forEach((task, k) => (position[task] = k));
  const scale = timeScaleOf(problem);
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const row = k * F;
    out[row] = k / n;
    out[row + 1] = times.local[i] * scale;
    out[row + 2] = times.uplink[i] * scale;
    out[row + 3] = times.mec[i] * scale;
    out[row + 4] = times.downlink[i] * scale;
    writePositions(out, row + 5, neighbours, dag.parents[i], position, n);
    writePositions(out, row + 5 + neighbours, neighbours, dag.children[i], position, n);
  }
  return out;
}

function writePositions(
  out: Float32Array,
  at: number,
  slots: number,
  tasks: readonly number[],
  position: Int32Array,
  n: number,
): void {
  const positions = tasks.map((t) => position[t]).sort((a, b) => a - b);
  for (let s = 0; s < slots; s++) out[at + s] = s < positions.length ? positions[s] / n : -1;
}

/** A batch of DAGs, time-major and padded to the longest: what the policy network consumes. */
export interface ObservationBatch {
  /** Number of DAGs (B) and padded length (T). */
  B: number;
  T: number;
  features: number;
  /** [T × B × features], zero beyond each DAG's length. */
  x: Float32Array;
  /** Each DAG's number of tasks. */
  lens: Int32Array;
  /** [T × B]: 1 where step t is a real task of DAG b. */
  mask: Float32Array;
  /** S: step features per decoding step (0 for a policy that does not see the state). */
  stepFeatures: number;
  /**
   * [T × B × S]: the step features of the state each decision was taken in, written by the
   * environment as the episode is played and kept for PPO's teacher-forced pass.
   */
  steps: Float32Array;
}

export function batchObservations(
  encoded: readonly Float32Array[],
  features: number,
  stepFeatures = 0,
): ObservationBatch {
  const B = encoded.length;
  const lens = Int32Array.from(encoded, (e) => e.length / features);
  const T = Math.max(...lens);
  const x = new Float32Array(T * B * features);
  const steps = new Float32Array(T * B * stepFeatures);
  const mask = new Float32Array(T * B);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < lens[b]; t++) {
      x.set(encoded[b].subarray(t * features, (t + 1) * features), (t * B + b) * features);
      mask[t * B + b] = 1;
    }
  }
  return { B, T, features, x, lens, mask, stepFeatures, steps };
}
