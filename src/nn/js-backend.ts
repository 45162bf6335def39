/**
 * The pure TypeScript backend: always available, and the reference the native one is tested against.
 * The GEMM loops are ordered so that the innermost loop walks contiguous memory. The layer-normalised
 * cell normalises with layer-norm.ts (gradient-checked on its own); it and the additive attention score
 * keep the arithmetic of the loops that lived in lstm.ts and attention.ts.
 */
import type { Backend } from './backend.js';
import { layerNormBackward, layerNormForward } from './layer-norm.js';

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

function lstmCellLnForward(
  rows: number,
  H: number,
  gates: Float32Array,
  cPrev: Float32Array,
  c: Float32Array,
  tanhC: Float32Array,
  h: Float32Array,
  gain: Float32Array,
  bias: Float32Array,
  cellGain: Float32Array,
  cellBias: Float32Array,
  gateXhat: Float32Array,
  gateInvStd: Float32Array,
  cellXhat: Float32Array,
  cellInvStd: Float32Array,
): void {
  const G = 4 * H;
  // The normalised cell state in float64, so that tanh sees it unrounded.
  const cNorm = new Float64Array(H);
  for (let r = 0; r < rows; r++) {
    const g0 = r * G;
    // Normalise each gate block of this row in place, keeping x̂ and 1/σ for the backward pass.
    for (let k = 0; k < 4; k++) {
      const o = g0 + k * H;
      const block = gates.subarray(o, o + H);
      layerNormForward(
        1,
        H,
        block,
        H,
        gain.subarray(k * H),
        bias.subarray(k * H),
        block,
        H,
        gateXhat.subarray(o),
        gateInvStd.subarray(r * 4 + k),
      );
    }
    // Activations and the raw cell state (stored in float32, as its LN sees it), then LN of the cell state.
    const c0 = r * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gates[g0 + j]);
      const f = sigmoid(gates[g0 + H + j]);
      const gg = Math.tanh(gates[g0 + 2 * H + j]);
      const o = sigmoid(gates[g0 + 3 * H + j]);
      gates[g0 + j] = i;
      gates[g0 + H + j] = f;
      gates[g0 + 2 * H + j] = gg;
      gates[g0 + 3 * H + j] = o;
      c[c0 + j] = f * cPrev[c0 + j] + i * gg;
    }
    layerNormForward(
      1,
      H,
      c.subarray(c0),
      H,
      cellGain,
      cellBias,
      cNorm,
      H,
      cellXhat.subarray(c0),
      cellInvStd.subarray(r),
    );
    for (let j = 0; j < H; j++) {
      const cn = cNorm[j];
      c[c0 + j] = cn;
      const th = Math.tanh(cn);
      tanhC[c0 + j] = th;
      h[c0 + j] = gates[g0 + 3 * H + j] * th;
    }
  }
}

function lstmCellLnBackward(
  rows: number,
  H: number,
  gates: Float32Array,
  cPrev: Float32Array,
  tanhC: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  dGates: Float32Array,
  gain: Float32Array,
  cellGain: Float32Array,
  gateXhat: Float32Array,
  gateInvStd: Float32Array,
  cellXhat: Float32Array,
  cellInvStd: Float32Array,
  dGain: Float32Array,
  dBias: Float32Array,
  dCellGain: Float32Array,
  dCellBias: Float32Array,
): void {
  const G = 4 * H;
  // Float64 scratch: each gradient is then the same value in its LN sums and in the pass that uses
  // them, so a row of near-zero variance (1/σ up to 1/sqrt(1e-5) ≈ 316) does not amplify a rounding.
  const dAct = new Float64Array(G);
  const dcNorm = new Float64Array(H);
  const dcRaw = new Float64Array(H);
  for (let r = 0; r < rows; r++) {
    const g0 = r * G;
    const c0 = r * H;
    // Through h = o ⊙ tanh(c): gradients of the normalised cell state and of the output gate.
    for (let j = 0; j < H; j++) {
      const o = gates[g0 + 3 * H + j];
      const th = tanhC[c0 + j];
      dcNorm[j] = dc[c0 + j] + dh[c0 + j] * o * (1 - th * th);
      dAct[3 * H + j] = dh[c0 + j] * th * o * (1 - o);
    }
    // Through the cell LN to the raw cell state, then to the gates and to cPrev.
    layerNormBackward(
      1,
      H,
      dcNorm,
      H,
      cellXhat.subarray(c0),
      cellInvStd.subarray(r),
      cellGain,
      dCellGain,
      dCellBias,
      dcRaw,
      H,
    );
    for (let j = 0; j < H; j++) {
      const dRaw = dcRaw[j];
      const i = gates[g0 + j];
      const f = gates[g0 + H + j];
      const g = gates[g0 + 2 * H + j];
      dAct[j] = dRaw * g * i * (1 - i);
      dAct[H + j] = dRaw * cPrev[c0 + j] * f * (1 - f);
      dAct[2 * H + j] = dRaw * i * (1 - g * g);
      dc[c0 + j] = dRaw * f;
    }
    // Through each gate's LN to the pre-activations.
    for (let k = 0; k < 4; k++) {
      const o = k * H;
      layerNormBackward(
        1,
        H,
        dAct.subarray(o),
        H,
        gateXhat.subarray(g0 + o),
        gateInvStd.subarray(r * 4 + k),
        gain.subarray(o),
        dGain.subarray(o),
        dBias.subarray(o),
        dGates.subarray(g0 + o),
        H,
      );
    }
  }
}

function additiveAttentionForward(
  B: number,
  Ld: number,
  Le: number,
  H: number,
  P: Float32Array,
  Q: Float32Array,
  v: Float32Array,
  hidden: Float32Array,
  scores: Float32Array,
): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Ld; t++) {
      const q = (b * Ld + t) * H;
      for (let i = 0; i < Le; i++) {
        const p = (b * Le + i) * H;
        const h0 = ((b * Ld + t) * Le + i) * H;
        let s = 0;
        for (let j = 0; j < H; j++) {
          const th = Math.tanh(P[p + j] + Q[q + j]);
          hidden[h0 + j] = th;
          s += v[j] * th;
        }
        scores[(b * Ld + t) * Le + i] = s;
      }
    }
  }
}

function additiveAttentionBackward(
  B: number,
  Ld: number,
  Le: number,
  H: number,
  v: Float32Array,
  hidden: Float32Array,
  dScores: Float32Array,
  dP: Float32Array,
  dQ: Float32Array,
  dv: Float32Array,
): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Ld; t++) {
      const q = (b * Ld + t) * H;
      for (let i = 0; i < Le; i++) {
        const ds = dScores[(b * Ld + t) * Le + i];
        if (ds === 0) continue;
        const p = (b * Le + i) * H;
        const h0 = ((b * Ld + t) * Le + i) * H;
        for (let j = 0; j < H; j++) {
          const th = hidden[h0 + j];
          dv[j] += ds * th;
          const dPre = ds * v[j] * (1 - th * th);
          dP[p + j] += dPre;
          dQ[q + j] += dPre;
        }
      }
    }
  }
}

function biasTanh(rows: number, cols: number, y: Float32Array, bias: Float32Array | null): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) y[o + j] = Math.tanh(y[o + j] + (bias ? bias[j] : 0));
  }
}

export const jsBackend: Backend = {
  name: 'js',
  gemm,
  lstmCellForward,
  lstmCellBackward,
  lstmCellLnForward,
  lstmCellLnBackward,
  additiveAttentionForward,
  additiveAttentionBackward,
  biasTanh,
};
