/**
 * A single LSTM layer over a time-major sequence [T × rows × in], with explicit backpropagation
 * through time, optional layer normalisation (as TensorFlow's LayerNormBasicLSTMCell: each gate's
 * pre-activation and the new cell state normalised, the LN biases acting as the gate biases), and a
 * per-step mask for batches of sequences of different lengths (a masked step carries h and c through).
 * Gate order i, f, g, o; the forget gate's bias starts at 1. The cell's elementwise math, plain or
 * layer-normalised, is the backend's (lstmCellForward/Backward, lstmCellLnForward/Backward); the
 * GEMMs, the step loop and the masking are here. Every buffer comes from the caller's workspace under
 * this layer's name, so passes of one shape allocate once.
 */
import type { Backend } from './backend.js';
import { glorot, type Param, type ParamSet } from './params.js';
import type { Workspace } from './workspace.js';

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

  /**
   * Runs T steps. x [T × rows × in], mask [T × rows] (1 = real step) or null. The outputs, the final
   * state and the cache are views into `ws`, valid until this layer's next forward on it.
   */
  forward(
    be: Backend,
    ws: Workspace,
    T: number,
    rows: number,
    x: Float32Array,
    mask: Float32Array | null,
    init: LstmState,
  ): { out: Float32Array; final: LstmState; cache: LstmCache } {
    const H = this.hidden;
    const G = 4 * H;
    const n = this.name;
    const gates = ws.f32(`${n}.gates`, T * rows * G);
    const c = ws.f32(`${n}.c`, T * rows * H);
    const tanhC = ws.f32(`${n}.tanhC`, T * rows * H);
    const h = ws.f32(`${n}.h`, T * rows * H);
    // Input contributions of all steps in one GEMM.
    be.gemm(false, false, T * rows, G, this.inSize, 1, x, this.inSize, this.wx.data, G, 0, gates, G);
    const cache: LstmCache = { T, rows, x, mask, h0: init.h, c0: init.c, gates, c, tanhC, h };
    if (this.layerNorm) {
      cache.gateXhat = ws.f32(`${n}.gateXhat`, T * rows * G);
      cache.gateInvStd = ws.f32(`${n}.gateInvStd`, T * rows * 4);
      cache.cellXhat = ws.f32(`${n}.cellXhat`, T * rows * H);
      cache.cellInvStd = ws.f32(`${n}.cellInvStd`, T * rows);
    }
    let hPrev = init.h;
    let cPrev = init.c;
    for (let t = 0; t < T; t++) {
      const g = gates.subarray(t * rows * G, (t + 1) * rows * G);
      const ct = c.subarray(t * rows * H, (t + 1) * rows * H);
      const tt = tanhC.subarray(t * rows * H, (t + 1) * rows * H);
      const ht = h.subarray(t * rows * H, (t + 1) * rows * H);
      be.gemm(false, false, rows, G, H, 1, hPrev, H, this.wh.data, G, 1, g, G);
      if (this.layerNorm) {
        be.lstmCellLnForward(
          rows,
          H,
          g,
          cPrev,
          ct,
          tt,
          ht,
          this.lnGain!.data,
          this.lnBias!.data,
          this.cellGain!.data,
          this.cellBias!.data,
          cache.gateXhat!.subarray(t * rows * G, (t + 1) * rows * G),
          cache.gateInvStd!.subarray(t * rows * 4, (t + 1) * rows * 4),
          cache.cellXhat!.subarray(t * rows * H, (t + 1) * rows * H),
          cache.cellInvStd!.subarray(t * rows, (t + 1) * rows),
        );
      } else {
        addBias(rows, G, g, this.bias!.data);
        be.lstmCellForward(rows, H, g, cPrev, ct, tt, ht);
      }
      if (mask) carryMasked(rows, H, mask, t * rows, hPrev, cPrev, ht, ct);
      hPrev = ht;
      cPrev = ct;
    }
    // The last step's buffers hold the final state (masked rows carried into them).
    return { out: h, final: { h: hPrev, c: cPrev }, cache };
  }

  /**
   * One step without a cache (decoding): from `state` into `next` (which must not alias it), the
   * scratch from `ws`.
   */
  step(be: Backend, ws: Workspace, rows: number, x: Float32Array, state: LstmState, next: LstmState): void {
    const H = this.hidden;
    const G = 4 * H;
    const n = this.name;
    const g = ws.f32(`${n}.step.gates`, rows * G);
    be.gemm(false, false, rows, G, this.inSize, 1, x, this.inSize, this.wx.data, G, 0, g, G);
    be.gemm(false, false, rows, G, H, 1, state.h, H, this.wh.data, G, 1, g, G);
    const { c, h } = next;
    const tanhC = ws.f32(`${n}.step.tanhC`, rows * H);
    if (this.layerNorm) {
      be.lstmCellLnForward(
        rows,
        H,
        g,
        state.c,
        c,
        tanhC,
        h,
        this.lnGain!.data,
        this.lnBias!.data,
        this.cellGain!.data,
        this.cellBias!.data,
        ws.f32(`${n}.step.gateXhat`, rows * G),
        ws.f32(`${n}.step.gateInvStd`, rows * 4),
        ws.f32(`${n}.step.cellXhat`, rows * H),
        ws.f32(`${n}.step.cellInvStd`, rows),
      );
    } else {
      addBias(rows, G, g, this.bias!.data);
      be.lstmCellForward(rows, H, g, state.c, c, tanhC, h);
    }
  }

  /**
   * Backpropagation through time. dOut [T × rows × H] is the gradient w.r.t. the outputs (or null),
   * dFinal the gradient w.r.t. the final state (or null). Accumulates parameter gradients; returns the
   * gradients w.r.t. the input sequence and the initial state (views into `ws`).
   */
  backward(
    be: Backend,
    ws: Workspace,
    cache: LstmCache,
    dOut: Float32Array | null,
    dFinal: LstmState | null,
  ): { dx: Float32Array; dInit: LstmState } {
    const { T, rows, mask } = cache;
    const H = this.hidden;
    const G = 4 * H;
    const n = this.name;
    const dGates = ws.f32(`${n}.dGates`, T * rows * G);
    const dh = ws.f32(`${n}.dh`, rows * H);
    const dc = ws.f32(`${n}.dc`, rows * H);
    if (dFinal) {
      dh.set(dFinal.h);
      dc.set(dFinal.c);
    }
    const dhPrev = ws.f32(`${n}.dhPrev`, rows * H);
    const savedH = mask ? ws.f32(`${n}.savedH`, rows * H) : null;
    const savedC = mask ? ws.f32(`${n}.savedC`, rows * H) : null;
    for (let t = T - 1; t >= 0; t--) {
      if (dOut) {
        const d = dOut.subarray(t * rows * H, (t + 1) * rows * H);
        for (let k = 0; k < rows * H; k++) dh[k] += d[k];
      }
      const cPrev = t > 0 ? cache.c.subarray((t - 1) * rows * H, t * rows * H) : cache.c0;
      const dg = dGates.subarray(t * rows * G, (t + 1) * rows * G);
      // Masked rows pass their gradients straight to the previous step: take them out (zeroed, so the
      // cell contributes nothing for those rows, parameter gradients included) and put them back after.
      if (mask) {
        takeMasked(rows, H, mask, t * rows, dh, savedH!);
        takeMasked(rows, H, mask, t * rows, dc, savedC!);
      }
      const gates = cache.gates.subarray(t * rows * G, (t + 1) * rows * G);
      const tanhC = cache.tanhC.subarray(t * rows * H, (t + 1) * rows * H);
      if (this.layerNorm) {
        be.lstmCellLnBackward(
          rows,
          H,
          gates,
          cPrev,
          tanhC,
          dh,
          dc,
          dg,
          this.lnGain!.data,
          this.cellGain!.data,
          cache.gateXhat!.subarray(t * rows * G, (t + 1) * rows * G),
          cache.gateInvStd!.subarray(t * rows * 4, (t + 1) * rows * 4),
          cache.cellXhat!.subarray(t * rows * H, (t + 1) * rows * H),
          cache.cellInvStd!.subarray(t * rows, (t + 1) * rows),
          this.lnGain!.grad,
          this.lnBias!.grad,
          this.cellGain!.grad,
          this.cellBias!.grad,
        );
      } else be.lstmCellBackward(rows, H, gates, cPrev, tanhC, dh, dc, dg);
      // dh for the previous step comes through Wh.
      be.gemm(false, true, rows, H, G, 1, dg, G, this.wh.data, G, 0, dhPrev, H);
      dh.set(dhPrev);
      if (mask) {
        restoreMasked(rows, H, mask, t * rows, dh, savedH!);
        restoreMasked(rows, H, mask, t * rows, dc, savedC!);
      }
    }
    // Weight gradients of all steps in one GEMM each.
    const hPrevAll = ws.f32(`${n}.hPrevAll`, T * rows * H);
    hPrevAll.set(cache.h0, 0);
    if (T > 1) hPrevAll.set(cache.h.subarray(0, (T - 1) * rows * H), rows * H);
    be.gemm(true, false, H, G, T * rows, 1, hPrevAll, H, dGates, G, 1, this.wh.grad, G);
    be.gemm(true, false, this.inSize, G, T * rows, 1, cache.x, this.inSize, dGates, G, 1, this.wx.grad, G);
    const dx = ws.f32(`${n}.dx`, T * rows * this.inSize);
    be.gemm(false, true, T * rows, this.inSize, G, 1, dGates, G, this.wx.data, G, 0, dx, this.inSize);
    if (!this.layerNorm) {
      const db = this.bias!.grad;
      for (let r = 0; r < T * rows; r++) for (let j = 0; j < G; j++) db[j] += dGates[r * G + j];
    }
    return { dx, dInit: { h: dh, c: dc } };
  }
}

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

/** Moves the masked rows of d into `saved` (zeroing them in d). */
function takeMasked(
  rows: number,
  H: number,
  mask: Float32Array,
  m0: number,
  d: Float32Array,
  saved: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    if (mask[m0 + r] !== 0) continue;
    saved.set(d.subarray(r * H, (r + 1) * H), r * H);
    d.fill(0, r * H, (r + 1) * H);
  }
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
