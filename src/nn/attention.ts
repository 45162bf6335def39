/**
 * Attention of a decoder over encoder outputs, batch-major: encoder outputs E [B × Le × H], decoder
 * outputs D [B × Ld × H], each batch entry b attending to its first lens[b] encoder steps.
 *  - `luong`: multiplicative, score = d · (Wa e) (Luong et al. 2015, "general");
 *  - `additive`: score = vᵀ tanh(W1 e + W2 d) (Bahdanau et al. 2015, the paper's [20]).
 * The attentional output is tanh(Wc [d; context] + bc). The additive score's B·Ld·Le·H tanh (and its
 * backward) are the backend's additiveAttentionForward/Backward.
 */
import type { Backend } from './backend.js';
import { Linear } from './linear.js';
import type { Param, ParamSet } from './params.js';
import { maskedSoftmaxRows, softmaxBackwardRows } from './softmax.js';
import type { Workspace } from './workspace.js';

export type AttentionKind = 'luong' | 'additive';
export const ATTENTION_KINDS: readonly AttentionKind[] = ['luong', 'additive'];

export interface AttentionKeys {
  B: number;
  Le: number;
  E: Float32Array;
  lens: ArrayLike<number>;
  /** luong: Wa·e [B × Le × H]; additive: W1·e [B × Le × H]. */
  keys: Float32Array;
}

export interface AttentionCache {
  Ld: number;
  D: Float32Array;
  weights: Float32Array; // [B × Ld × Le]
  concat: Float32Array; // [B × Ld × 2H]
  out: Float32Array; // [B × Ld × H]
  query?: Float32Array; // additive: W2·d [B × Ld × H]
  hidden?: Float32Array; // additive: tanh(W1 e + W2 d) [B × Ld × Le × H]
}

export class Attention {
  readonly keyProj: Linear;
  readonly queryProj: Linear | undefined;
  readonly score: Param | undefined;
  readonly combine: Linear;

  constructor(
    params: ParamSet,
    readonly name: string,
    readonly hidden: number,
    readonly kind: AttentionKind,
  ) {
    const H = hidden;
    this.keyProj = new Linear(params, `${name}.key`, H, H, false);
    if (kind === 'additive') {
      this.queryProj = new Linear(params, `${name}.query`, H, H, false);
      this.score = params.declare(`${name}.v`, [H], { kind: 'uniform', scale: Math.sqrt(3 / H) });
    }
    this.combine = new Linear(params, `${name}.combine`, 2 * H, H);
  }

  /** Per-sequence work done once per encoder pass (buffers from `ws`, as every pass of this layer). */
  prepare(
    be: Backend,
    ws: Workspace,
    B: number,
    Le: number,
    E: Float32Array,
    lens: ArrayLike<number>,
  ): AttentionKeys {
    const keys = ws.f32(`${this.name}.keys`, B * Le * this.hidden);
    this.keyProj.forward(be, B * Le, E, keys);
    return { B, Le, E, lens, keys };
  }

  forward(be: Backend, ws: Workspace, k: AttentionKeys, Ld: number, D: Float32Array): AttentionCache {
    const { B, Le, E, lens } = k;
    const H = this.hidden;
    const n = this.name;
    const scores = ws.f32(`${n}.scores`, B * Ld * Le);
    const ctx = ws.f32(`${n}.ctx`, Ld * H);
    const cache: AttentionCache = {
      Ld,
      D,
      weights: ws.f32(`${n}.weights`, B * Ld * Le),
      concat: ws.f32(`${n}.concat`, B * Ld * 2 * H),
      out: ws.f32(`${n}.out`, B * Ld * H),
    };
    if (this.kind === 'luong') {
      for (let b = 0; b < B; b++) {
        be.gemm(
          false,
          true,
          Ld,
          Le,
          H,
          1,
          D.subarray(b * Ld * H),
          H,
          k.keys.subarray(b * Le * H),
          H,
          0,
          scores.subarray(b * Ld * Le),
          Le,
        );
      }
    } else {
      cache.query = ws.f32(`${n}.query`, B * Ld * H);
      this.queryProj!.forward(be, B * Ld, D, cache.query);
      cache.hidden = ws.f32(`${n}.hidden`, B * Ld * Le * H);
      be.additiveAttentionForward(B, Ld, Le, H, k.keys, cache.query, this.score!.data, cache.hidden, scores);
    }
    for (let b = 0; b < B; b++) {
      const w = cache.weights.subarray(b * Ld * Le);
      maskedSoftmaxRows(Ld, Le, scores.subarray(b * Ld * Le), lens[b], w);
      // context = weights · E, written next to d in the concatenation [d; context].
      be.gemm(false, false, Ld, H, Le, 1, w, Le, E.subarray(b * Le * H), H, 0, ctx, H);
      for (let t = 0; t < Ld; t++) {
        const row = (b * Ld + t) * 2 * H;
        cache.concat.set(D.subarray((b * Ld + t) * H, (b * Ld + t + 1) * H), row);
        cache.concat.set(ctx.subarray(t * H, (t + 1) * H), row + H);
      }
    }
    this.combine.forwardTanh(be, B * Ld, cache.concat, cache.out);
    return cache;
  }

  /** Returns dD [B × Ld × H] and dE [B × Le × H]; accumulates parameter gradients. */
  backward(
    be: Backend,
    ws: Workspace,
    k: AttentionKeys,
    cache: AttentionCache,
    dOut: Float32Array,
  ): { dD: Float32Array; dE: Float32Array } {
    const { B, Le, E } = k;
    const { Ld, D } = cache;
    const H = this.hidden;
    const n = this.name;
    const dPre = ws.f32(`${n}.dPre`, dOut.length);
    for (let i = 0; i < dOut.length; i++) dPre[i] = dOut[i] * (1 - cache.out[i] * cache.out[i]);
    const dConcat = ws.f32(`${n}.dConcat`, B * Ld * 2 * H);
    this.combine.backward(be, B * Ld, cache.concat, dPre, dConcat);

    const dD = ws.f32(`${n}.dD`, B * Ld * H);
    const dE = ws.f32(`${n}.dE`, B * Le * H);
    const dKeys = ws.f32(`${n}.dKeys`, B * Le * H);
    const dScores = ws.f32(`${n}.dScores`, B * Ld * Le);
    const dCtx = ws.f32(`${n}.dCtx`, Ld * H);
    const dW = ws.f32(`${n}.dW`, Ld * Le);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < Ld; t++) {
        const row = (b * Ld + t) * 2 * H;
        const dRow = (b * Ld + t) * H;
        for (let j = 0; j < H; j++) {
          dD[dRow + j] = dConcat[row + j];
          dCtx[t * H + j] = dConcat[row + H + j];
        }
      }
      const w = cache.weights.subarray(b * Ld * Le);
      const Eb = E.subarray(b * Le * H);
      // dWeights = dCtx · Eᵀ; dE += weightsᵀ · dCtx.
      be.gemm(false, true, Ld, Le, H, 1, dCtx, H, Eb, H, 0, dW, Le);
      be.gemm(true, false, Le, H, Ld, 1, w, Le, dCtx, H, 1, dE.subarray(b * Le * H), H);
      softmaxBackwardRows(Ld, Le, w, dW, dScores.subarray(b * Ld * Le));
      if (this.kind === 'luong') {
        const dS = dScores.subarray(b * Ld * Le);
        be.gemm(
          false,
          false,
          Ld,
          H,
          Le,
          1,
          dS,
          Le,
          k.keys.subarray(b * Le * H),
          H,
          1,
          dD.subarray(b * Ld * H),
          H,
        );
        be.gemm(
          true,
          false,
          Le,
          H,
          Ld,
          1,
          dS,
          Le,
          D.subarray(b * Ld * H),
          H,
          1,
          dKeys.subarray(b * Le * H),
          H,
        );
      }
    }
    if (this.kind === 'additive') this.additiveBackward(be, ws, B, Ld, Le, cache, dScores, dKeys, dD);
    this.keyProj.backward(be, B * Le, E, dKeys, dE, true);
    return { dD, dE };
  }

  private additiveBackward(
    be: Backend,
    ws: Workspace,
    B: number,
    Ld: number,
    Le: number,
    cache: AttentionCache,
    dScores: Float32Array,
    dKeys: Float32Array,
    dD: Float32Array,
  ): void {
    const H = this.hidden;
    const dQuery = ws.f32(`${this.name}.dQuery`, B * Ld * H);
    be.additiveAttentionBackward(
      B,
      Ld,
      Le,
      H,
      this.score!.data,
      cache.hidden!,
      dScores,
      dKeys,
      dQuery,
      this.score!.grad,
    );
    this.queryProj!.backward(be, B * Ld, cache.D, dQuery, dD, true);
  }
}
