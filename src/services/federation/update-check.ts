/**
 * What an upload must satisfy before it counts: the open round and θ's version, the model's shape and
 * checksum, finite numbers, a plausible sample count, and ‖θ' − θ‖ within a bound (beyond it the update is
 * refused or scaled back onto the bound). Pure: the coordinator decides what a refusal does.
 */
import { decodeParams } from './params-codec.js';
import type { UpdateMessage } from './proto.js';
import type { NormPolicy } from './settings.js';

export type UpdateCheck =
  | { ok: true; thetaPrime: Float32Array; updateNorm: number; clipped: boolean }
  | { ok: false; reason: string };

export function checkUpdate(
  update: UpdateMessage,
  theta: Float32Array,
  expect: { modelVersion: number; normBound: number; normPolicy: NormPolicy; maxSamples: number },
): UpdateCheck {
  if (update.modelVersion !== expect.modelVersion)
    return {
      ok: false,
      reason: `stale model version ${update.modelVersion} (current ${expect.modelVersion})`,
    };
  if (!Number.isInteger(update.samples) || update.samples < 1)
    return { ok: false, reason: `sample count ${update.samples} is not a positive integer` };
  // More than the round's settings allow would only buy a larger weight under --weighting samples.
  if (update.samples > expect.maxSamples)
    return {
      ok: false,
      reason: `sample count ${update.samples} exceeds the round's ${expect.maxSamples} (DAGs per batch × trajectories)`,
    };
  if (!Number.isFinite(update.sampledMakespanMs) || update.sampledMakespanMs < 0)
    return { ok: false, reason: 'sampled makespan is not a finite non-negative number' };
  const decoded = decodeParams(update.params, theta.length);
  if (!decoded.ok) return decoded;
  const tp = decoded.values;
  let sq = 0;
  for (let i = 0; i < tp.length; i++) {
    const d = tp[i] - theta[i];
    if (!Number.isFinite(d)) return { ok: false, reason: `non-finite value at parameter ${i}` };
    sq += d * d;
  }
  const norm = Math.sqrt(sq);
  if (norm <= expect.normBound) return { ok: true, thetaPrime: tp, updateNorm: norm, clipped: false };
  const what = `update norm ${norm.toPrecision(4)} exceeds the bound ${expect.normBound.toPrecision(4)}`;
  if (expect.normPolicy === 'reject') return { ok: false, reason: what };
  const s = expect.normBound / norm;
  for (let i = 0; i < tp.length; i++) tp[i] = theta[i] + s * (tp[i] - theta[i]);
  return { ok: true, thetaPrime: tp, updateNorm: norm, clipped: true };
}
