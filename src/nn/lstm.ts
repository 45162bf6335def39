/**
 * A single LSTM layer over a time-major sequence [T × rows × in], with explicit backpropagation
 * through time, optional layer normalisation (as TensorFlow's LayerNormBasicLSTMCell: each gate's
 * pre-activation and the new cell state normalised, the LN biases acting as the gate biases), and a
 * per-step mask for batches of sequences of different lengths (a masked step carries h and c through).
 * Gate order i, f, g, o; the forget gate's bias starts at 1.
 */
import type { Backend } from './backend.js';
import { glorot, type Param, type ParamSet } from './params.js';

export interface LstmState {
  h: Float32Array;
  c: Float32Array;
}

/** What the forward pass keeps for the backward pass. */
export interface LstmCache {
  T: number;
  rows: number;
  x: Float32Array;
  mask: Float32Array | null;
  h0: Float32Array;
  c0: Float32Array;
  /** Gate activations per step [T × rows × 4H]. */
  gates: Float32Array;
  /** Cell state per step (normalised when layer norm is on) and its tanh [T × rows × H]. */
  c: Float32Array;
  tanhC: Float32Array;
  /** Outputs h per step [T × rows × H]. */
  h: Float32Array;
  // Layer norm only: normalised inputs and inverse std of the gates and of the cell state.
  gateXhat?: Float32Array;
  gateInvStd?: Float32Array;
  cellXhat?: Float32Array;
  cellInvStd?: Float32Array;
}

export class LstmLayer {
  readonly wx: Param;
  readonly wh: Param;
  readonly bias: Param | undefined;
  readonly lnGain: Param | undefined;
  readonly lnBias: Param | undefined;
  readonly cellGain: Param | undefined;
  readonly cellBias: Param | undefined;

  constructor(
    params: ParamSet,
    readonly name: string,
    readonly inSize: number,
    readonly hidden: number,
    readonly layerNorm: boolean,
  ) {
    const H = hidden;
    this.wx = params.declare(`${name}.wx`, [inSize, 4 * H], glorot(inSize, 4 * H));
    this.wh = params.declare(`${name}.wh`, [H, 4 * H], glorot(H, 4 * H));
    if (layerNorm) {
      this.lnGain = params.declare(`${name}.ln_gain`, [4 * H], { kind: 'ones' });
      this.lnBias = params.declare(`${name}.ln_bias`, [4 * H], { kind: 'zeros' });
      this.cellGain = params.declare(`${name}.cell_gain`, [H], { kind: 'ones' });
      this.cellBias = params.declare(`${name}.cell_bias`, [H], { kind: 'zeros' });
    } else {
      this.bias = params.declare(`${name}.bias`, [4 * H], { kind: 'zeros' });
    }
  }

  /** Sets the forget-gate bias to 1 (call after the parameters are allocated). */
  initForgetBias(): void {
    const b = this.layerNorm ? this.lnBias!.data : this.bias!.data;
    b.fill(1, this.hidden, 2 * this.hidden);
  }

  /** Runs T steps. x [T × rows × in], mask [T × rows] (1 = real step) or null. */
  forward(
    be: Backend,
    T: number,
    rows: number,
    x: Float32Array,
    mask: Float32Array | null,
    init: LstmState,
  ): { out: Float32Array; final: LstmState; cache: LstmCache } {
    const H = this.hidden;
    const G = 4 * H;
    const gates = new Float32Array(T * rows * G);
    const c = new Float32Array(T * rows * H);
    const tanhC = new Float32Array(T * rows * H);
    const h = new Float32Array(T * rows * H);
    // Input contributions of all steps in one GEMM.
    be.gemm(false, false, T * rows, G, this.inSize, 1, x, this.inSize, this.wx.data, G, 0, gates, G);
    const cache: LstmCache = { T, rows, x, mask, h0: init.h, c0: init.c, gates, c, tanhC, h };
    if (this.layerNorm) {
      cache.gateXhat = new Float32Array(T * rows * G);
      cache.gateInvStd = new Float32Array(T * rows * 4);
      cache.cellXhat = new Float32Array(T * rows * H);
      cache.cellInvStd = new Float32Array(T * rows);
    }
    let hPrev = init.h;
    let cPrev = init.c;
    for (let t = 0; t < T; t++) {
      const g = gates.subarray(t * rows * G, (t + 1) * rows * G);
      const ct = c.subarray(t * rows * H, (t + 1) * rows * H);
      const tt = tanhC.subarray(t * rows * H, (t + 1) * rows * H);
      const ht = h.subarray(t * rows * H, (t + 1) * rows * H);
      be.gemm(false, false, rows, G, H, 1, hPrev, H, this.wh.data, G, 1, g, G);
      if (this.layerNorm) this.cellForwardLn(be, rows, t, g, cPrev, ct, tt, ht, cache);
      else {
        addBias(rows, G, g, this.bias!.data);
        be.lstmCellForward(rows, H, g, cPrev, ct, tt, ht);
      }
      if (mask) carryMasked(rows, H, mask, t * rows, hPrev, cPrev, ht, ct);
      hPrev = ht;
      cPrev = ct;
    }
    return { out: h, final: { h: hPrev.slice(), c: cPrev.slice() }, cache };
  }

  /** One step without a cache (decoding). */
  step(be: Backend, rows: number, x: Float32Array, state: LstmState): LstmState {
    const H = this.hidden;
    const G = 4 * H;
    const g = new Float32Array(rows * G);
    be.gemm(false, false, rows, G, this.inSize, 1, x, this.inSize, this.wx.data, G, 0, g, G);
    be.gemm(false, false, rows, G, H, 1, state.h, H, this.wh.data, G, 1, g, G);
    const c = new Float32Array(rows * H);
    const tanhC = new Float32Array(rows * H);
    const h = new Float32Array(rows * H);
    if (this.layerNorm) {
      const scratch: LstmCache = {
        T: 1,
        rows,
        x,
        mask: null,
        h0: state.h,
        c0: state.c,
        gates: g,
        c,
        tanhC,
        h,
        gateXhat: new Float32Array(rows * G),
        gateInvStd: new Float32Array(rows * 4),
        cellXhat: new Float32Array(rows * H),
        cellInvStd: new Float32Array(rows),
      };
      this.cellForwardLn(be, rows, 0, g, state.c, c, tanhC, h, scratch);
    } else {
      addBias(rows, G, g, this.bias!.data);
      be.lstmCellForward(rows, H, g, state.c, c, tanhC, h);
    }
    return { h, c };
  }

  /** Layer-normalised cell: LN per gate, activations, c = LN(f ⊙ cPrev + i ⊙ g), h = o ⊙ tanh(c). */
  private cellForwardLn(
    _be: Backend,
    rows: number,
    t: number,
    g: Float32Array,
    cPrev: Float32Array,
    ct: Float32Array,
    tt: Float32Array,
    ht: Float32Array,
    cache: LstmCache,
  ): void {
    const H = this.hidden;
    const G = 4 * H;
    const xhat = cache.gateXhat!;
    const inv = cache.gateInvStd!;
    const gain = this.lnGain!.data;
    const bias = this.lnBias!.data;
    const cGain = this.cellGain!.data;
    const cBias = this.cellBias!.data;
    const cXhat = cache.cellXhat!;
    const cInv = cache.cellInvStd!;
    const x0 = t * rows * G;
    const s0 = t * rows * H;
    for (let r = 0; r < rows; r++) {
      const g0 = r * G;
      // Normalise each gate block of this row, keeping x̂ and 1/σ for the backward pass.
      for (let k = 0; k < 4; k++) {
        const o = g0 + k * H;
        let mean = 0;
        for (let j = 0; j < H; j++) mean += g[o + j];
        mean /= H;
        let variance = 0;
        for (let j = 0; j < H; j++) variance += (g[o + j] - mean) ** 2;
        const is = 1 / Math.sqrt(variance / H + LN_EPS);
        inv[(t * rows + r) * 4 + k] = is;
        for (let j = 0; j < H; j++) {
          const xh = (g[o + j] - mean) * is;
          xhat[x0 + o + j] = xh;
          g[o + j] = gain[k * H + j] * xh + bias[k * H + j];
        }
      }
      // Activations and the raw cell state, then LN of the cell state.
      const c0 = r * H;
      let mean = 0;
      for (let j = 0; j < H; j++) {
        const i = 1 / (1 + Math.exp(-g[g0 + j]));
        const f = 1 / (1 + Math.exp(-g[g0 + H + j]));
        const gg = Math.tanh(g[g0 + 2 * H + j]);
        const o = 1 / (1 + Math.exp(-g[g0 + 3 * H + j]));
        g[g0 + j] = i;
        g[g0 + H + j] = f;
        g[g0 + 2 * H + j] = gg;
        g[g0 + 3 * H + j] = o;
        const raw = f * cPrev[c0 + j] + i * gg;
        ct[c0 + j] = raw;
        mean += raw;
      }
      mean /= H;
      let variance = 0;
      for (let j = 0; j < H; j++) variance += (ct[c0 + j] - mean) ** 2;
      const is = 1 / Math.sqrt(variance / H + LN_EPS);
      cInv[t * rows + r] = is;
      for (let j = 0; j < H; j++) {
        const xh = (ct[c0 + j] - mean) * is;
        cXhat[s0 + c0 + j] = xh;
        const c = cGain[j] * xh + cBias[j];
        ct[c0 + j] = c;
        const th = Math.tanh(c);
        tt[c0 + j] = th;
        ht[c0 + j] = g[g0 + 3 * H + j] * th;
      }
    }
  }

  /**
   * Backpropagation through time. dOut [T × rows × H] is the gradient w.r.t. the outputs (or null),
   * dFinal the gradient w.r.t. the final state (or null). Accumulates parameter gradients; returns the
   * gradients w.r.t. the input sequence and the initial state.
   */
  backward(
    be: Backend,
    cache: LstmCache,
    dOut: Float32Array | null,
    dFinal: LstmState | null,
  ): { dx: Float32Array; dInit: LstmState } {
    const { T, rows, mask } = cache;
    const H = this.hidden;
    const G = 4 * H;
    const dGates = new Float32Array(T * rows * G);
    const dh = dFinal ? dFinal.h.slice() : new Float32Array(rows * H);
    const dc = dFinal ? dFinal.c.slice() : new Float32Array(rows * H);
    const dhPrev = new Float32Array(rows * H);
    for (let t = T - 1; t >= 0; t--) {
      if (dOut) {
        const d = dOut.subarray(t * rows * H, (t + 1) * rows * H);
        for (let k = 0; k < rows * H; k++) dh[k] += d[k];
      }
      const cPrev = t > 0 ? cache.c.subarray((t - 1) * rows * H, t * rows * H) : cache.c0;
      const dg = dGates.subarray(t * rows * G, (t + 1) * rows * G);
      // Masked rows pass their gradients straight to the previous step: take them out (zeroed, so the
      // cell contributes nothing for those rows, parameter gradients included) and put them back after.
      const carriedH = mask ? takeMasked(rows, H, mask, t * rows, dh) : null;
      const carriedC = mask ? takeMasked(rows, H, mask, t * rows, dc) : null;
      if (this.layerNorm) this.cellBackwardLn(rows, t, cache, cPrev, dh, dc, dg);
      else {
        const gates = cache.gates.subarray(t * rows * G, (t + 1) * rows * G);
        const tanhC = cache.tanhC.subarray(t * rows * H, (t + 1) * rows * H);
        be.lstmCellBackward(rows, H, gates, cPrev, tanhC, dh, dc, dg);
      }
      // dh for the previous step comes through Wh.
      be.gemm(false, true, rows, H, G, 1, dg, G, this.wh.data, G, 0, dhPrev, H);
      dh.set(dhPrev);
      if (mask) {
        restoreMasked(rows, H, mask, t * rows, dh, carriedH!);
        restoreMasked(rows, H, mask, t * rows, dc, carriedC!);
      }
    }
    // Weight gradients of all steps in one GEMM each.
    const hPrevAll = new Float32Array(T * rows * H);
    hPrevAll.set(cache.h0, 0);
    if (T > 1) hPrevAll.set(cache.h.subarray(0, (T - 1) * rows * H), rows * H);
    be.gemm(true, false, H, G, T * rows, 1, hPrevAll, H, dGates, G, 1, this.wh.grad, G);
    be.gemm(true, false, this.inSize, G, T * rows, 1, cache.x, this.inSize, dGates, G, 1, this.wx.grad, G);
    const dx = new Float32Array(T * rows * this.inSize);
    be.gemm(false, true, T * rows, this.inSize, G, 1, dGates, G, this.wx.data, G, 0, dx, this.inSize);
    if (!this.layerNorm) {
      const db = this.bias!.grad;
      for (let r = 0; r < T * rows; r++) for (let j = 0; j < G; j++) db[j] += dGates[r * G + j];
    }
    return { dx, dInit: { h: dh, c: dc } };
  }

  /** Layer-normalised cell backward: dh, dc in (dc becomes d cPrev); writes the pre-LN gate gradients. */
  private cellBackwardLn(
    rows: number,
    t: number,
    cache: LstmCache,
    cPrev: Float32Array,
    dh: Float32Array,
    dc: Float32Array,
    dPre: Float32Array,
  ): void {
    const H = this.hidden;
    const G = 4 * H;
    const gates = cache.gates;
    const tanhC = cache.tanhC;
    const xhat = cache.gateXhat!;
    const inv = cache.gateInvStd!;
    const cXhat = cache.cellXhat!;
    const cInv = cache.cellInvStd!;
    const gain = this.lnGain!.data;
    const dGain = this.lnGain!.grad;
    const dBias = this.lnBias!.grad;
    const cGain = this.cellGain!.data;
    const dcGain = this.cellGain!.grad;
    const dcBias = this.cellBias!.grad;
    const x0 = t * rows * G;
    const s0 = t * rows * H;
    const dAct = new Float32Array(G);
    const dcNorm = new Float32Array(H);
    for (let r = 0; r < rows; r++) {
      const g0 = x0 + r * G;
      const c0 = r * H;
      // Through h = o ⊙ tanh(c): gradients of the normalised cell state and of the output gate.
      let meanD = 0;
      let meanDX = 0;
      for (let j = 0; j < H; j++) {
        const o = gates[g0 + 3 * H + j];
        const th = tanhC[s0 + c0 + j];
        const d = dc[c0 + j] + dh[c0 + j] * o * (1 - th * th);
        dcNorm[j] = d;
        dAct[3 * H + j] = dh[c0 + j] * th * o * (1 - o);
        dcBias[j] += d;
        dcGain[j] += d * cXhat[s0 + c0 + j];
        const dxh = d * cGain[j];
        meanD += dxh;
        meanDX += dxh * cXhat[s0 + c0 + j];
      }
      meanD /= H;
      meanDX /= H;
      const is = cInv[t * rows + r];
      // Through the cell LN to the raw cell state, then to the gates and to cPrev.
      for (let j = 0; j < H; j++) {
        const dRaw = is * (dcNorm[j] * cGain[j] - meanD - cXhat[s0 + c0 + j] * meanDX);
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
        let mD = 0;
        let mDX = 0;
        for (let j = 0; j < H; j++) {
          const d = dAct[o + j];
          const xh = xhat[g0 + o + j];
          dBias[o + j] += d;
          dGain[o + j] += d * xh;
          const dxh = d * gain[o + j];
          mD += dxh;
          mDX += dxh * xh;
        }
        mD /= H;
        mDX /= H;
        const isk = inv[(t * rows + r) * 4 + k];
        for (let j = 0; j < H; j++) {
          dPre[r * G + o + j] = isk * (dAct[o + j] * gain[o + j] - mD - xhat[g0 + o + j] * mDX);
        }
      }
    }
  }
}

/** Must match layer-norm.ts. */
const LN_EPS = 1e-5;

function addBias(rows: number, width: number, y: Float32Array, b: Float32Array): void {
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) y[r * width + j] += b[j];
}

/** For rows whose mask is 0 at this step, h and c keep their previous values. */
function carryMasked(
  rows: number,
  H: number,
  mask: Float32Array,
  m0: number,
  hPrev: Float32Array,
  cPrev: Float32Array,
  h: Float32Array,
  c: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    if (mask[m0 + r] !== 0) continue;
    h.set(hPrev.subarray(r * H, (r + 1) * H), r * H);
    c.set(cPrev.subarray(r * H, (r + 1) * H), r * H);
  }
}

function takeMasked(rows: number, H: number, mask: Float32Array, m0: number, d: Float32Array): Float32Array {
  const saved = new Float32Array(rows * H);
  for (let r = 0; r < rows; r++) {
    if (mask[m0 + r] !== 0) continue;
    saved.set(d.subarray(r * H, (r + 1) * H), r * H);
    d.fill(0, r * H, (r + 1) * H);
  }
  return saved;
}

function restoreMasked(
  rows: number,
  H: number,
  mask: Float32Array,
  m0: number,
  d: Float32Array,
  saved: Float32Array,
): void {
  for (let r = 0; r < rows; r++) if (mask[m0 + r] === 0) d.set(saved.subarray(r * H, (r + 1) * H), r * H);
}
