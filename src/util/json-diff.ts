/** The differences between two JSON values, for refusals that name each differing setting. */
import { isObject } from './is-object.js';

/** One leaf that differs: its path ("ppo.learningRate", "datasets.0.dir") and both values. */
export interface LeafChange {
  path: string;
  a: unknown;
  b: unknown;
}

/**
 * The leaves that differ between two JSON values, in key order. Arrays are leaves (compared whole).
 * With `onlyKeysOfA`, a key that `a` lacks is not compared (a file written before the key existed).
 */
export function differingLeaves(a: unknown, b: unknown, onlyKeysOfA = false, prefix = ''): LeafChange[] {
  if (isObject(a) && isObject(b)) {
    const keys = onlyKeysOfA ? Object.keys(a) : [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys
      .sort()
      .flatMap((k) => differingLeaves(a[k], b[k], onlyKeysOfA, prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: prefix || 'value', a, b }];
}

/** A value for a one-line message: JSON, a long array as its length, a long object cut (a text is whole). */
export function shortValue(v: unknown): string {
  if (v === undefined || v === null) return 'none';
  const text = JSON.stringify(v);
  if (typeof v === 'string' || text.length <= 60) return text;
  return Array.isArray(v) ? `[${v.length} entries]` : `${text.slice(0, 57)}...`;
}

/** "a.b: 1 → 2, c: "x" → "y"" for the leaves that differ between two JSON values ('' when equal). */
export function differingKeys(a: unknown, b: unknown): string {
  return differingLeaves(a, b)
    .map((c) => `${c.path}: ${shortValue(c.a)} → ${shortValue(c.b)}`)
    .join(', ');
}
