/**
 * The per-step MLP policy: at decoding step j it sees task j's own features (the row of the DAG
 * encoding) and the step features of the simulator state, [t_j; s_j] → (Linear, tanh) × layers →
 * two action logits and a value. No recurrence: the state features carry what the earlier decisions
 * did, so every step of every trajectory is one independent row, and the teacher-forced pass over a
 * whole batch is a few large GEMMs.
 */
import { streamRng } from '../util/rng-streams.js';
import type { Backend } from '../nn/backend.js';
import { Linear } from '../nn/linear.js';
import { ParamSet } from '../nn/params.js';
import { Workspace } from '../nn/workspace.js';
import { copyRow, HEAD_OUT, joinHead, splitHead, transposeBT, transposeTB } from './head-rows.js';
import { featureCount, type ObservationBatch } from './observation.js';
import { headWithPrior, type LookaheadPrior } from './lookahead-prior.js';
import {
  type ForwardResult,
  type OffloadingPolicy,
  type PolicyConfig,
  type PolicyDecoder,
} from './policy.js';
import { stepFeatureCount } from './step-features.js';

interface MlpCache {
  /** The training workspace's pass this cache belongs to. */
  ticket: number;
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
  /** Buffers of the teacher-forced pass (forward and backward) and of decoding, allocated once. */
  private readonly trainWs = new Workspace();
  private readonly decodeWs = new Workspace();

  constructor(
    readonly config: PolicyConfig,
    seed: number,
  ) {
    if (config.arch !== 'mlp') throw new Error(`MlpPolicy: architecture ${config.arch}`);
    this.features = featureCount(config.neighbours);
    this.stepFeatures = stepFeatureCount(true, config.lookahead, config.observation);
    let width = this.features + this.stepFeatures;
    for (let l = 0; l < config.layers; l++) {
      this.hidden.push(new Linear(this.params, `mlp.${l}`, width, config.hidden));
      width = config.hidden;
    }
    const { head, prior, settle } = headWithPrior(this.params, width, config);
    this.head = head;
    this.prior = prior;
    this.params.allocate(streamRng(seed, 'policyWeights'));
    settle();
  }

  /** Runs the layers over `rows` input rows; fills `inputs` (layer inputs) and `head`. */
  private run(be: Backend, rows: number, inputs: Float32Array[], head: Float32Array): void {
    this.hidden.forEach((layer, l) => {
      layer.forwardTanh(be, rows, inputs[l], inputs[l + 1]);
    });
    this.head.forward(be, rows, inputs[this.hidden.length], head);
    this.prior?.apply(rows, inputs[0], this.features + this.stepFeatures, this.features, head);
  }

  /** Each layer's input buffer for `rows` rows, from `ws`. */
  private buffers(ws: Workspace, rows: number): Float32Array[] {
    const F = this.features + this.stepFeatures;
    return [
      ws.f32('mlp.in', rows * F),
      ...this.hidden.map((layer) => ws.f32(`${layer.name}.out`, rows * this.config.hidden)),
    ];
  }

  /** Teacher-forced pass; the results and the cache live in the training workspace until the next forward. */
  forward(be: Backend, obs: ObservationBatch, _actions: Uint8Array): ForwardResult {
    const ws = this.trainWs;
    const ticket = ws.begin();
    const { B, T } = obs;
    const rows = T * B;
    const inputs = this.buffers(ws, rows);
    joinRows(rows, this.features, obs.x, this.stepFeatures, obs.steps, inputs[0]);
    const headTB = ws.f32('head.outTB', rows * HEAD_OUT);
    this.run(be, rows, inputs, headTB);
    const head = ws.f32('head.out', rows * HEAD_OUT);
    transposeTB(T, B, HEAD_OUT, headTB, head);
    const logits = ws.f32('head.logits', rows * 2);
    const values = ws.f32('head.values', rows);
    splitHead(rows, head, logits, values);
    const cache: MlpCache = { ticket, obs, inputs };
    return { logits, values, cache };
  }

  backward(be: Backend, forwardCache: unknown, dLogits: Float32Array, dValues: Float32Array): void {
    const { ticket, obs, inputs } = forwardCache as MlpCache;
    const ws = this.trainWs;
    ws.assertCurrent(ticket, 'MlpPolicy.backward');
    const { B, T } = obs;
    const rows = T * B;
    const dHeadBT = ws.f32('head.dOutBT', rows * HEAD_OUT);
    joinHead(rows, dLogits, dValues, dHeadBT);
    const dHead = ws.f32('head.dOut', rows * HEAD_OUT);
    transposeBT(B, T, HEAD_OUT, dHeadBT, dHead);
    this.prior?.backward(rows, inputs[0], this.features + this.stepFeatures, this.features, dHead);
    const L = this.hidden.length;
    // Two gradient buffers in turn: a layer's dy and the dx it writes.
    const grads = [0, 1].map((k) => (L > 0 ? ws.f32(`mlp.d${k}`, rows * this.config.hidden) : undefined));
    let dy = grads[0]!;
    this.head.backward(be, rows, inputs[L], dHead, L > 0 ? dy : undefined);
    for (let l = L - 1; l >= 0; l--) {
      const y = inputs[l + 1];
      for (let k = 0; k < dy.length; k++) dy[k] *= 1 - y[k] * y[k];
      const dx = l > 0 ? grads[(L - l) & 1] : undefined;
      this.hidden[l].backward(be, rows, inputs[l], dy, dx);
      if (dx) dy = dx;
    }
  }

  /** Step-by-step decoding in the decoding workspace (one decoder at a time). */
  beginDecode(be: Backend, obs: ObservationBatch): PolicyDecoder {
    const ws = this.decodeWs;
    const ticket = ws.begin();
    const { B } = obs;
    const F = this.features;
    const inputs = this.buffers(ws, B);
    return {
      step: (t, _prev, steps, head) => {
        ws.assertCurrent(ticket, 'MlpPolicy decoder');
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
    copyRow(a, r * wa, out, r * w, wa);
    copyRow(b, r * wb, out, r * w + wa, wb);
  }
}
