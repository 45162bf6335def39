/**
 * Central finite differences against analytic gradients. The forward passes run in float32 (the
 * engine's precision); the loss is accumulated in float64 and eps is chosen for float32, so the
 * tolerance is relative with a small absolute floor.
 */
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';

export interface GradCheckOptions {
  samples?: number;
  eps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
  label?: string;
}

/**
 * values/grads: the vector to perturb and its analytic gradient (computed by the caller before);
 * loss(): the float64 loss at the current values.
 */
export function checkGradients(
  values: Float32Array,
  grads: Float32Array,
  loss: () => number,
  options: GradCheckOptions = {},
): { checked: number; worst: number } {
  const { samples = 40, eps = 1e-2, rtol = 2e-2, atol = 2e-4, seed = 1, label = '' } = options;
  const rng = new Rng(seed);
  const picks = new Set<number>();
  const count = Math.min(samples, values.length);
  while (picks.size < count) picks.add(Math.floor(rng.next() * values.length));
  let worst = 0;
  for (const i of picks) {
    const old = values[i];
    values[i] = old + eps;
    const plus = loss();
    values[i] = old - eps;
    const minus = loss();
    values[i] = old;
    const numeric = (plus - minus) / (2 * eps);
    const analytic = grads[i];
    const err = Math.abs(numeric - analytic);
    const allowed = atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic));
    worst = Math.max(worst, err / allowed);
    assert.ok(err <= allowed, `${label} entry ${i}: analytic ${analytic} vs numeric ${numeric}`);
  }
  return { checked: picks.size, worst };
}

export function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * scale);
}

export function dot64(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
