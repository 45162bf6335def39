/** The differences between two JSON values, for refusals that name each differing setting. */
import { isObject } from './is-object.js';

/** "a.b: 1 → 2, c: "x" → "y"" for the leaves that differ between two JSON values ('' when equal). */
export function differingKeys(a: unknown, b: unknown, prefix = ''): string {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys
      .map((k) => differingKeys(a[k], b[k], prefix ? `${prefix}.${k}` : k))
      .filter((s) => s !== '')
      .join(', ');
  }
  return JSON.stringify(a) === JSON.stringify(b)
    ? ''
    : `${prefix || 'value'}: ${JSON.stringify(a) ?? 'none'} → ${JSON.stringify(b) ?? 'none'}`;
}
