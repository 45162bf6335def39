/**
 * The policy over several places: one logit per place. Each place's row (place-features.ts) goes
 * through a shared trunk (Linear, tanh) × layers, and a linear head gives that place's logit; the
 * state value is a linear function of the trunk's outputs averaged over the places. Because the
 * weights are shared across places, one network serves any system (two places or five).
 *
 * The lookahead prior: logit_p −= g · L_p, with L_p the place's completed objective above the best
 * (0 at the HEFT-rollout's choice) and the gain g learned. The logit head starts at zero, so the
 * untrained policy's argmax is the HEFT-rollout itself (ties as the rollout breaks them), and training
 * learns where to deviate from it.
 *
 * The paper's seq2seq network stays two-way (policy.ts); commands refuse it on a system of more than
 * two places.
 */
import type { Backend } from '../nn/backend.js';
import { Linear } from '../nn/linear.js';
import { ParamSet, type Param } from '../nn/params.js';
import { streamRng } from '../util/rng-streams.js';
import { PLACE_LOOKAHEAD, PLACE_ROW_FEATURES } from './place-features.js';

export interface PlacePolicyConfig {
  /** Units per trunk layer. */
  hidden: number;
  /** Trunk layers. */
  layers: number;
  /** The lookahead prior's initial gain (0: no prior, the lookahead is only an input). */
  priorGain: number;
}

export const DEFAULT_PLACE_POLICY: PlacePolicyConfig = { hidden: 64, layers: 2, priorGain: 1000 };

export interface PlaceForward {
  /** [rows × P] logits. */
  logits: Float32Array;
  /** [rows] values. */
  values: Float32Array;
  cache: { rows: number; P: number; inputs: Float32Array[]; pooled: Float32Array };
}

export class PlacePolicy {
  readonly params = new ParamSet();
  private readonly trunk: Linear[] = [];
  private readonly logitHead: Linear;
  private readonly valueHead: Linear;
  private readonly gain: Param;

  constructor(
    readonly config: PlacePolicyConfig,
    seed: number,
  ) {
    let width = PLACE_ROW_FEATURES;
    for (let l = 0; l < config.layers; l++) {
      this.trunk.push(new Linear(this.params, `place.trunk.${l}`, width, config.hidden));
      width = config.hidden;
    }
    this.logitHead = new Linear(this.params, 'place.logit', width, 1, true, { kind: 'zeros' });
    this.valueHead = new Linear(this.params, 'place.value', width, 1);
    this.gain = this.params.declare('place.prior_gain', [1], { kind: 'constant', value: config.priorGain });
    this.params.allocate(streamRng(seed, 'policyWeights'));
  }

  private get width(): number {
    return this.config.layers > 0 ? this.config.hidden : PLACE_ROW_FEATURES;
  }

  /** rows decoding steps of P places each; `x` [rows × P × D]. */
  forward(be: Backend, rows: number, P: number, x: Float32Array): PlaceForward {
    const RP = rows * P;
    const inputs: Float32Array[] = [x];
    for (const layer of this.trunk) {
      const y = new Float32Array(RP * layer.outSize);
      layer.forwardTanh(be, RP, inputs[inputs.length - 1], y);
      inputs.push(y);
    }
    const h = inputs[inputs.length - 1];
    const logits = new Float32Array(RP);
    this.logitHead.forward(be, RP, h, logits);
    const g = this.gain.data[0];
    for (let r = 0; r < RP; r++) logits[r] -= g * x[r * PLACE_ROW_FEATURES + PLACE_LOOKAHEAD];
    const H = this.width;
    const pooled = new Float32Array(rows * H);
    for (let r = 0; r < rows; r++)
      for (let p = 0; p < P; p++) {
        const o = (r * P + p) * H;
        for (let j = 0; j < H; j++) pooled[r * H + j] += h[o + j] / P;
      }
    const values = new Float32Array(rows);
    this.valueHead.forward(be, rows, pooled, values);
    return { logits, values, cache: { rows, P, inputs, pooled } };
  }

  /** Accumulates the parameters' gradients from dLogits [rows × P] and dValues [rows]. */
  backward(be: Backend, cache: PlaceForward['cache'], dLogits: Float32Array, dValues: Float32Array): void {
    const { rows, P, inputs, pooled } = cache;
    const RP = rows * P;
    const H = this.width;
    const x = inputs[0];
    let s = 0;
    for (let r = 0; r < RP; r++) s -= dLogits[r] * x[r * PLACE_ROW_FEATURES + PLACE_LOOKAHEAD];
    this.gain.grad[0] += s;
    const L = this.trunk.length;
    const dh = new Float32Array(RP * H);
    this.logitHead.backward(be, RP, inputs[L], dLogits, dh);
    const dPooled = new Float32Array(rows * H);
    this.valueHead.backward(be, rows, pooled, dValues, dPooled);
    for (let r = 0; r < rows; r++)
      for (let p = 0; p < P; p++) {
        const o = (r * P + p) * H;
        for (let j = 0; j < H; j++) dh[o + j] += dPooled[r * H + j] / P;
      }
    let dy = dh;
    for (let l = L - 1; l >= 0; l--) {
      const y = inputs[l + 1];
      for (let k = 0; k < dy.length; k++) dy[k] *= 1 - y[k] * y[k];
      const dx = l > 0 ? new Float32Array(RP * this.trunk[l].inSize) : undefined;
      this.trunk[l].backward(be, RP, inputs[l], dy, dx);
      if (dx) dy = dx;
    }
  }
}

/** log-softmax of each row of `logits` [rows × P] into `out`. */
export function logSoftmaxRows(rows: number, P: number, logits: Float32Array, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let p = 0; p < P; p++) m = Math.max(m, logits[r * P + p]);
    let sum = 0;
    for (let p = 0; p < P; p++) sum += Math.exp(logits[r * P + p] - m);
    const lse = m + Math.log(sum);
    for (let p = 0; p < P; p++) out[r * P + p] = logits[r * P + p] - lse;
  }
}

/**
 * The argmax place of a row, in the rollout's order of preference on ties: the servers, the cloud,
 * then the device (which must be strictly better).
 */
export function argmaxPlace(logits: Float32Array, at: number, P: number): number {
  let best = 1 % P;
  for (let p = 2; p < P; p++) if (logits[at + p] > logits[at + best]) best = p;
  if (P === 1 || logits[at] > logits[at + best]) best = 0;
  return best;
}
