/** Row-wise softmax and log-softmax over the first `valid` columns of each row (the rest masked to 0). */

export function maskedSoftmaxRows(
  rows: number,
  cols: number,
  x: Float32Array,
  valid: number,
  out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < valid; j++) if (x[o + j] > max) max = x[o + j];
    let sum = 0;
    for (let j = 0; j < valid; j++) {
      const e = Math.exp(x[o + j] - max);
      out[o + j] = e;
      sum += e;
    }
    for (let j = 0; j < valid; j++) out[o + j] /= sum;
    for (let j = valid; j < cols; j++) out[o + j] = 0;
  }
}

/** dx = p ⊙ (dp − Σ p ⊙ dp), row-wise. */
export function softmaxBackwardRows(
  rows: number,
  cols: number,
  p: Float32Array,
  dp: Float32Array,
  dx: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += p[o + j] * dp[o + j];
    for (let j = 0; j < cols; j++) dx[o + j] = p[o + j] * (dp[o + j] - dot);
  }
}

/** log-softmax of each row of width `cols`. */
export function logSoftmaxRows(rows: number, cols: number, x: Float32Array, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j] > max) max = x[o + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[o + j] - max);
    const lse = max + Math.log(sum);
    for (let j = 0; j < cols; j++) out[o + j] = x[o + j] - lse;
  }
}
