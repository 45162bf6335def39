/**
 * The per-step MLP policy: at decoding step j it sees task j's own features (the row of the DAG
 * encoding) and the step features of the simulator state, [t_j; s_j] → (Linear, tanh) × layers →
 * two action logits and a value. No recurrence: the state features carry what the earlier decisions
 * did, so every step of every trajectory is one independent row, and the teacher-forced pass over a
 * whole batch is a few large GEMMs.
 */
import type { Backend } from '../nn/backend.js';
import { Linear } from '../nn/linear.js';
import { ParamSet } from '../nn/params.js';
import { Rng } from '../util/rng.js';
import { featureCount, type ObservationBatch } from './observation.js';
import { headWithPrior, type LookaheadPrior } from './lookahead-prior.js';
import {
  type ForwardResult,
  type OffloadingPolicy,
  type PolicyConfig,
  type PolicyDecoder,
} from './policy.js';
import { joinHead, splitHead, transposeBT, transposeTB } from './seq2seq.js';
import { stepFeatureCount } from './step-features.js';

const HEAD_OUT = 3;

interface MlpCache {
  obs: ObservationBatch;
  /** Per layer: its input [rows × width], time-major rows; the last entry is the head's input. */
  inputs: Float32Array[];
}

export class MlpPolicy implements OffloadingPolicy {
  readonly params = new ParamSet();
  readonly features: number;
  readonly stepFeatures: number;
  private readonly hidden: Linear[] = [];
  private readonly head: Linear;
  private readonly prior: LookaheadPrior | undefined;

  constructor(
    readonly config: PolicyConfig,
    seed: number,
  ) {
    if (config.arch !== 'mlp') throw new Error(`MlpPolicy: architecture ${config.arch}`);
    this.features = featureCount(config.neighbours);
    this.stepFeatures = stepFeatureCount(true, config.lookahead);
    let width = this.features + this.stepFeatures;
    for (let l = 0; l < config.layers; l++) {
      this.hidden.push(new Linear(this.params, `mlp.${l}`, width, config.hidden));
      width = config.hidden;
    }
    const { head, prior, settle } = headWithPrior(this.params, width, config);
    this.head = head;
    this.prior = prior;
    this.params.allocate(new Rng(seed, 0x1417));
    settle();
  }

  /** Runs the layers over `rows` input rows; fills `inputs` (layer inputs) and `head`. */
  private run(be: Backend, rows: number, inputs: Float32Array[], head: Float32Array): void {
    this.hidden.forEach((layer, l) => {
      const y = inputs[l + 1];
      layer.forward(be, rows, inputs[l], y);
      for (let k = 0; k < y.length; k++) y[k] = Math.tanh(y[k]);
    });
    this.head.forward(be, rows, inputs[this.hidden.length], head);
    this.prior?.apply(rows, inputs[0], this.features + this.stepFeatures, this.features, head);
  }

  private buffers(rows: number): Float32Array[] {
    const F = this.features + this.stepFeatures;
    return [
      new Float32Array(rows * F),
      ...this.hidden.map(() => new Float32Array(rows * this.config.hidden)),
    ];
  }

  forward(be: Backend, obs: ObservationBatch, _actions: Uint8Array): ForwardResult {
    const { B, T } = obs;
    const rows = T * B;
    const inputs = this.buffers(rows);
    joinRows(rows, this.features, obs.x, this.stepFeatures, obs.steps, inputs[0]);
    const headTB = new Float32Array(rows * HEAD_OUT);
    this.run(be, rows, inputs, headTB);
    const head = transposeTB(T, B, HEAD_OUT, headTB);
    const { logits, values } = splitHead(rows, head);
    const cache: MlpCache = { obs, inputs };
    return { logits, values, cache };
  }

  backward(be: Backend, forwardCache: unknown, dLogits: Float32Array, dValues: Float32Array): void {
    const { obs, inputs } = forwardCache as MlpCache;
    const { B, T } = obs;
    const rows = T * B;
    const dHead = transposeBT(B, T, HEAD_OUT, joinHead(rows, dLogits, dValues));
    this.prior?.backward(rows, inputs[0], this.features + this.stepFeatures, this.features, dHead);
    const L = this.hidden.length;
    let dy = new Float32Array(rows * this.config.hidden);
    this.head.backward(be, rows, inputs[L], dHead, L > 0 ? dy : undefined);
    for (let l = L - 1; l >= 0; l--) {
      const y = inputs[l + 1];
      for (let k = 0; k < dy.length; k++) dy[k] *= 1 - y[k] * y[k];
      const dx = l > 0 ? new Float32Array(rows * this.config.hidden) : undefined;
      this.hidden[l].backward(be, rows, inputs[l], dy, dx);
      if (dx) dy = dx;
    }
  }

  beginDecode(be: Backend, obs: ObservationBatch): PolicyDecoder {
    const { B } = obs;
    const F = this.features;
    const inputs = this.buffers(B);
    return {
      step: (t, _prev, steps, head) => {
        joinRows(B, F, obs.x.subarray(t * B * F, (t + 1) * B * F), this.stepFeatures, steps, inputs[0]);
        this.run(be, B, inputs, head);
      },
    };
  }
}

/** out[r] = [a[r] (width wa); b[r] (width wb)] for `rows` rows. */
function joinRows(
  rows: number,
  wa: number,
  a: Float32Array,
  wb: number,
  b: Float32Array,
  out: Float32Array,
): void {
  const w = wa + wb;
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * wa, (r + 1) * wa), r * w);
    if (wb > 0) out.set(b.subarray(r * wb, (r + 1) * wb), r * w + wa);
  }
}
