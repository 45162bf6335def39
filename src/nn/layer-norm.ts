/**
 * Layer normalisation (Ba et al. 2016) over the last `width` entries of each row, with gain and bias,
 * as TensorFlow's LayerNormBasicLSTMCell applies it to each gate and to the cell state.
 */
/** σ = sqrt(var + LN_EPS); the native kernels use the same. */
export const LN_EPS = 1e-5;

/** Inputs and outputs may be float64 scratch, so a caller can keep a value unrounded between passes. */
type Values = Float32Array | Float64Array;

/** y = gain ⊙ (x − mean)/std + bias per row; keeps xhat and 1/std for the backward pass. */
export function layerNormForward(
  rows: number,
  width: number,
  x: Values,
  xStride: number,
  gain: Float32Array,
  bias: Float32Array,
  y: Values,
  yStride: number,
  xhat: Float32Array,
  invStd: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const xo = r * xStride;
    let mean = 0;
    for (let j = 0; j < width; j++) mean += x[xo + j];
    mean /= width;
    let variance = 0;
    for (let j = 0; j < width; j++) {
      const d = x[xo + j] - mean;
      variance += d * d;
    }
    const inv = 1 / Math.sqrt(variance / width + LN_EPS);
    invStd[r] = inv;
    const yo = r * yStride;
    const ho = r * width;
    for (let j = 0; j < width; j++) {
      const xh = (x[xo + j] - mean) * inv;
      xhat[ho + j] = xh;
      y[yo + j] = gain[j] * xh + bias[j];
    }
  }
}

/** dx = (1/std)·(dxhat − mean(dxhat) − xhat·mean(dxhat ⊙ xhat)), with dxhat = dy ⊙ gain; accumulates dgain, dbias. */
export function layerNormBackward(
  rows: number,
  width: number,
  dy: Values,
  dyStride: number,
  xhat: Float32Array,
  invStd: Float32Array,
  gain: Float32Array,
  dGain: Float32Array,
  dBias: Float32Array,
  dx: Values,
  dxStride: number,
): void {
  for (let r = 0; r < rows; r++) {
    const yo = r * dyStride;
    const ho = r * width;
    let meanD = 0;
    let meanDX = 0;
    for (let j = 0; j < width; j++) {
      const g = dy[yo + j];
      dBias[j] += g;
      dGain[j] += g * xhat[ho + j];
      const dxh = g * gain[j];
      meanD += dxh;
      meanDX += dxh * xhat[ho + j];
    }
    meanD /= width;
    meanDX /= width;
    const inv = invStd[r];
    const xo = r * dxStride;
    for (let j = 0; j < width; j++) {
      const dxh = dy[yo + j] * gain[j];
      dx[xo + j] = inv * (dxh - meanD - xhat[ho + j] * meanDX);
    }
  }
}
