/**
 * The outer step of MRLCO (Alg. 1, line 9): the first-order meta-gradient of Eq. (22),
 * g = (1/n) Σ_i c_i (θ'_i − θ) / (α m), applied by the outer Adam (learning rate β) as gradient ascent.
 * c_i weighs task i's update (1 for the paper's plain mean; sample count / mean sample count for a
 * federated, FedAvg-style mean). Shared by the one-process meta-trainer and the federated service so
 * that both produce the same θ from the same θ'_i.
 */
import type { Adam } from '../nn/adam.js';

export interface InnerUpdate {
  thetaPrime: Float32Array;
  /** c_i; 1 unless the updates are weighted. */
  weight?: number;
}

/** Applies Eq. (22) to θ in place; returns ‖g‖. Updates are summed in the given order (determinism). */
export function applyMetaUpdate(
  outer: Adam,
  theta: Float32Array,
  updates: readonly InnerUpdate[],
  innerLearningRate: number,
  innerSteps: number,
): number {
  if (updates.length === 0) return 0;
  const g = new Float64Array(theta.length);
  for (const u of updates) {
    const c = u.weight ?? 1;
    const tp = u.thetaPrime;
    if (c === 1) for (let i = 0; i < theta.length; i++) g[i] += tp[i] - theta[i];
    else for (let i = 0; i < theta.length; i++) g[i] += c * (tp[i] - theta[i]);
  }
  const scale = 1 / (updates.length * innerLearningRate * innerSteps);
  const descent = new Float32Array(theta.length);
  let norm = 0;
  for (let i = 0; i < theta.length; i++) {
    const gi = g[i] * scale;
    norm += gi * gi;
    descent[i] = -gi; // Adam minimises; ascent along g is descent along −g.
  }
  outer.step(theta, descent);
  return Math.sqrt(norm);
}
