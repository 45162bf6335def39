/**
 * Robust alternatives to the plain mean of Eq. (22) for combining the devices' θ'_i: the coordinate-wise
 * median and the coordinate-wise trimmed mean (Yin et al., ICML 2018). A poisoner who stays inside the
 * norm bound can still pull a mean by 1/n of its update in any direction; a median it cannot move past
 * the honest values. Both ignore sample weights.
 */
export const AGGREGATIONS = ['mean', 'median', 'trimmed-mean'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** The coordinate-wise median or trimmed mean of the θ'_i (trim: the fraction dropped at each end). */
export function robustCombine(
  thetas: readonly Float32Array[],
  rule: Exclude<Aggregation, 'mean'>,
  trim: number,
): Float32Array {
  const n = thetas.length;
  if (n === 0) throw new Error('robustCombine: no updates');
  const size = thetas[0].length;
  const out = new Float32Array(size);
  const column = new Float64Array(n);
  // Values dropped at each end; at least one value always stays.
  const cut = rule === 'trimmed-mean' ? Math.min(Math.floor(trim * n), Math.floor((n - 1) / 2)) : 0;
  for (let i = 0; i < size; i++) {
    for (let k = 0; k < n; k++) column[k] = thetas[k][i];
    column.sort();
    if (rule === 'median') {
      const mid = n >> 1;
      out[i] = n % 2 === 1 ? column[mid] : 0.5 * (column[mid - 1] + column[mid]);
    } else {
      let sum = 0;
      for (let k = cut; k < n - cut; k++) sum += column[k];
      out[i] = sum / (n - 2 * cut);
    }
  }
  return out;
}
