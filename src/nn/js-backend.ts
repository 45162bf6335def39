/**
 * The pure TypeScript backend: always available, and the reference the native one is tested against.
 * The GEMM loops are ordered so that the innermost loop walks contiguous memory.
 */
import type { Backend } from './backend.js';

function gemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float32Array,
  lda: number,
  B: Float32Array,
  ldb: number,
  beta: number,
  C: Float32Array,
  ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    const row = i * ldc;
    if (beta === 0) C.fill(0, row, row + N);
    else if (beta !== 1) for (let j = 0; j < N; j++) C[row + j] *= beta;
  }
  if (alpha === 0 || K === 0) return;
  if (!transB) {
    // C[i, :] += alpha · A(i, k) · B[k, :]
    for (let i = 0; i < M; i++) {
      const row = i * ldc;
      for (let k = 0; k < K; k++) {
        const a = alpha * (transA ? A[k * lda + i] : A[i * lda + k]);
        if (a === 0) continue;
        const bRow = k * ldb;
        for (let j = 0; j < N; j++) C[row + j] += a * B[bRow + j];
      }
    }
  } else {
    // C[i, j] += alpha · Σ_k A(i, k) · B[j, k]: a dot product over contiguous rows of B.
    for (let i = 0; i < M; i++) {
      const row = i * ldc;
      for (let j = 0; j < N; j++) {
        const bRow = j * ldb;
        let sum = 0;
        if (transA) for (let k = 0; k < K; k++) sum += A[k * lda + i] * B[bRow + k];
        else {
          const aRow = i * lda;
          for (let k = 0; k < K; k++) sum += A[aRow + k] * B[bRow + k];
        }
        C[row + j] += alpha * sum;
      }
    }
  }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function lstmCellForward(
  rows: number,
  H: number,
  gates: Float32Array,
  cPrev: Float32Array,
  c: Float32Array,
  tanhC: Float32Array,
  h: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const g0 = r * 4 * H;
    const s0 = r * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gates[g0 + j]);
      const f = sigmoid(gates[g0 + H + j]);
      const g = Math.tanh(gates[g0 + 2 * H + j]);
      const o = sigmoid(gates[g0 + 3 * H + j]);
      gates[g0 + j] = i;
      gates[g0 + H + j] = f;
      gates[g0 + 2 * H + j] = g;
      gates[g0 + 3 * H + j] = o;
      const cell = f * cPrev[s0 + j] + i * g;
      const t = Math.tanh(cell);
      c[s0 + j] = cell;
      tanhC[s0 + j] = t;
      h[s0 + j] = o * t;
    }
  }
}

function lstmCellBackward(
  rows: number,
  H: number,
  gates: Float32Array,
  cPrev: Float32Array,
  tanhC: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  dGates: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const g0 = r * 4 * H;
    const s0 = r * H;
    for (let j = 0; j < H; j++) {
      const i = gates[g0 + j];
      const f = gates[g0 + H + j];
      const g = gates[g0 + 2 * H + j];
      const o = gates[g0 + 3 * H + j];
      const t = tanhC[s0 + j];
      const dhj = dh[s0 + j];
      const dcj = dc[s0 + j] + dhj * o * (1 - t * t);
      dGates[g0 + j] = dcj * g * i * (1 - i);
      dGates[g0 + H + j] = dcj * cPrev[s0 + j] * f * (1 - f);
      dGates[g0 + 2 * H + j] = dcj * i * (1 - g * g);
      dGates[g0 + 3 * H + j] = dhj * t * o * (1 - o);
      dc[s0 + j] = dcj * f;
    }
  }
}

export const jsBackend: Backend = { name: 'js', gemm, lstmCellForward, lstmCellBackward };
