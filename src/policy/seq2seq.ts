/**
 * The seq2seq offloading policy of Sec. 4.2 (Fig. 4, Table 2): an input projection, a multi-layer
 * LSTM encoder over the task embeddings, a multi-layer LSTM decoder fed the embedding of the previous
 * action and started from the encoder's final state, attention over the encoder outputs, and a head
 * with two action logits (0 = run on the device, 1 = offload) and a state value.
 *
 * Two architectures share this class:
 *  - `paper`: exactly the network above;
 *  - `seq2seq`: the state made explicit (Eq. 9). Decoder step j's input is the previous action's
 *    embedding plus projections of task j's encoder output e_j and of the step features s_j, and the
 *    head reads [attention output; s_j], so the state reaches the logits without passing the LSTM.
 *
 * `forward`/`backward` run teacher-forced over whole sequences (PPO's log-probabilities and values for
 * given actions and stored step features); `beginDecode` runs step by step (closed loop).
 */
import { streamRng } from '../util/rng-streams.js';
import type { Backend } from '../nn/backend.js';
import { Attention, type AttentionCache, type AttentionKeys } from '../nn/attention.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import { LstmLayer, type LstmCache, type LstmState } from '../nn/lstm.js';
import { ParamSet } from '../nn/params.js';
import { Workspace } from '../nn/workspace.js';
import { HEAD_OUT, joinHead, splitHead, transposeBT, transposeTB } from './head-rows.js';
import { featureCount, type ObservationBatch } from './observation.js';
import { headWithPrior, type LookaheadPrior } from './lookahead-prior.js';
import {
  PAPER_POLICY,
  seesState,
  START_ACTION,
  type ForwardResult,
  type OffloadingPolicy,
  type PolicyConfig,
  type PolicyDecoder,
} from './policy.js';
import { stepFeatureCount } from './step-features.js';

export { PAPER_POLICY, type PolicyConfig };

export interface Seq2SeqCache {
  /** The training workspace's pass this cache belongs to. */
  ticket: number;
  obs: ObservationBatch;
  prev: Int32Array;
  inputProj: Float32Array;
  encoder: LstmCache[];
  decoder: LstmCache[];
  /** The top encoder layer's outputs [T × B × H] (the state-aware decoder's e_j). */
  encoderOut: Float32Array;
  keys: AttentionKeys;
  attention: AttentionCache;
  /** The head's input [B × T × (H + S)]: the attention output, then the step features. */
  headIn: Float32Array;
}

export class Seq2SeqPolicy implements OffloadingPolicy {
  readonly params = new ParamSet();
  readonly features: number;
  readonly stepFeatures: number;
  private readonly input: Linear;
  private readonly encoder: LstmLayer[] = [];
  private readonly decoder: LstmLayer[] = [];
  private readonly actionEmbedding: Embedding;
  /** State-aware only: e_j and s_j into the decoder's input. */
  private readonly taskIntoDecoder: Linear | undefined;
  private readonly stateIntoDecoder: Linear | undefined;
  private readonly attention: Attention;
  private readonly head: Linear;
  private readonly prior: LookaheadPrior | undefined;
  /** Buffers of the teacher-forced pass (forward and backward) and of decoding, allocated once. */
  private readonly trainWs = new Workspace();
  private readonly decodeWs = new Workspace();

  constructor(
    readonly config: PolicyConfig,
    seed: number,
  ) {
    if (config.arch === 'mlp') throw new Error('Seq2SeqPolicy: the mlp architecture is MlpPolicy');
    const H = config.hidden;
    this.features = featureCount(config.neighbours);
    this.stepFeatures = stepFeatureCount(seesState(config.arch), config.lookahead, config.observation);
    const S = this.stepFeatures;
    this.input = new Linear(this.params, 'input', this.features, H);
    for (let l = 0; l < config.layers; l++)
      this.encoder.push(new LstmLayer(this.params, `encoder.${l}`, H, H, config.layerNorm));
    for (let l = 0; l < config.layers; l++)
      this.decoder.push(new LstmLayer(this.params, `decoder.${l}`, H, H, config.layerNorm));
    this.actionEmbedding = new Embedding(this.params, 'action', 3, H);
    if (S > 0) {
      this.taskIntoDecoder = new Linear(this.params, 'decoder_task', H, H, false);
      this.stateIntoDecoder = new Linear(this.params, 'decoder_state', S, H);
    }
    this.attention = new Attention(this.params, 'attention', H, config.attention);
    const { head, prior, settle } = headWithPrior(this.params, H + S, config);
    this.head = head;
    this.prior = prior;
    // Weight initialisation has its own RNG stream, independent of sampling.
    this.params.allocate(streamRng(seed, 'policyWeights'));
    settle();
    for (const layer of [...this.encoder, ...this.decoder]) layer.initForgetBias();
  }

  private encode(
    be: Backend,
    ws: Workspace,
    obs: ObservationBatch,
  ): {
    inputProj: Float32Array;
    caches: LstmCache[];
    finals: LstmState[];
    out: Float32Array;
    keys: AttentionKeys;
  } {
    const { B, T } = obs;
    const H = this.config.hidden;
    const inputProj = ws.f32('input.out', T * B * H);
    this.input.forward(be, T * B, obs.x, inputProj);
    let x: Float32Array = inputProj;
    const caches: LstmCache[] = [];
    const finals: LstmState[] = [];
    const zero = { h: ws.f32('encoder.h0', B * H), c: ws.f32('encoder.c0', B * H) };
    for (const layer of this.encoder) {
      const r = layer.forward(be, ws, T, B, x, obs.mask, zero);
      caches.push(r.cache);
      finals.push(r.final);
      x = r.out;
    }
    const batchMajor = ws.f32('encoder.outBT', T * B * H);
    transposeTB(T, B, H, x, batchMajor);
    const keys = this.attention.prepare(be, ws, B, T, batchMajor, obs.lens);
    return { inputProj, caches, finals, out: x, keys };
  }

  /** The decoder's input rows: action embeddings, plus e_j and s_j when the network sees the state. */
  private decoderInput(
    be: Backend,
    rows: number,
    prev: ArrayLike<number>,
    encoderOut: Float32Array,
    steps: Float32Array,
    x: Float32Array,
  ): void {
    this.actionEmbedding.forward(rows, prev, x);
    if (this.taskIntoDecoder && this.stateIntoDecoder) {
      this.taskIntoDecoder.forwardAccumulate(be, rows, encoderOut, x);
      this.stateIntoDecoder.forwardAccumulate(be, rows, steps, x);
    }
  }

  /**
   * Teacher-forced pass: logits and values for the given actions ([B × T], batch-major). The results
   * and the cache live in the policy's training workspace until the next forward.
   */
  forward(be: Backend, obs: ObservationBatch, actions: Uint8Array): ForwardResult {
    const ws = this.trainWs;
    const ticket = ws.begin();
    const { B, T } = obs;
    const H = this.config.hidden;
    const S = this.stepFeatures;
    const enc = this.encode(be, ws, obs);
    const prev = ws.i32('decoder.prev', T * B);
    for (let b = 0; b < B; b++) {
      prev[b] = START_ACTION;
      for (let t = 1; t < T; t++) prev[t * B + b] = actions[b * T + t - 1];
    }
    let x: Float32Array = ws.f32('decoder.in', T * B * H);
    this.decoderInput(be, T * B, prev, enc.out, obs.steps, x);
    const decoderCaches: LstmCache[] = [];
    this.decoder.forEach((layer, l) => {
      const r = layer.forward(be, ws, T, B, x, obs.mask, enc.finals[l]);
      decoderCaches.push(r.cache);
      x = r.out;
    });
    const decoderOut = ws.f32('decoder.outBT', T * B * H);
    transposeTB(T, B, H, x, decoderOut);
    const att = this.attention.forward(be, ws, enc.keys, T, decoderOut);
    let headIn = att.out;
    if (S > 0) {
      headIn = ws.f32('head.in', B * T * (H + S));
      concatStepFeatures(B, T, H, att.out, S, obs.steps, headIn);
    }
    const head = ws.f32('head.out', B * T * HEAD_OUT);
    this.head.forward(be, B * T, headIn, head);
    this.prior?.apply(B * T, headIn, H + S, H, head);
    const logits = ws.f32('head.logits', B * T * 2);
    const values = ws.f32('head.values', B * T);
    splitHead(B * T, head, logits, values);
    const cache: Seq2SeqCache = {
      ticket,
      obs,
      prev,
      inputProj: enc.inputProj,
      encoder: enc.caches,
      decoder: decoderCaches,
      encoderOut: enc.out,
      keys: enc.keys,
      attention: att,
      headIn,
    };
    return { logits, values, cache };
  }

  /** Accumulates parameter gradients from dLogits [B × T × 2] and dValues [B × T]. */
  backward(be: Backend, forwardCache: unknown, dLogits: Float32Array, dValues: Float32Array): void {
    const cache = forwardCache as Seq2SeqCache;
    const ws = this.trainWs;
    ws.assertCurrent(cache.ticket, 'Seq2SeqPolicy.backward');
    const { B, T } = cache.obs;
    const H = this.config.hidden;
    const S = this.stepFeatures;
    const dHead = ws.f32('head.dOut', B * T * HEAD_OUT);
    joinHead(B * T, dLogits, dValues, dHead);
    this.prior?.backward(B * T, cache.headIn, H + S, H, dHead);
    const dHeadIn = ws.f32('head.dIn', B * T * (H + S));
    this.head.backward(be, B * T, cache.headIn, dHead, dHeadIn);
    let dAtt = dHeadIn;
    if (S > 0) {
      dAtt = ws.f32('attention.dOutBT', B * T * H);
      takeColumns(B * T, H + S, H, dHeadIn, dAtt);
    }
    const { dD, dE } = this.attention.backward(be, ws, cache.keys, cache.attention, dAtt);

    // Decoder, top layer first; its initial-state gradients flow into the encoder's final states.
    let dOut: Float32Array = ws.f32('decoder.dOut', T * B * H);
    transposeBT(B, T, H, dD, dOut);
    const dEncoderFinal: LstmState[] = [];
    for (let l = this.decoder.length - 1; l >= 0; l--) {
      const r = this.decoder[l].backward(be, ws, cache.decoder[l], dOut, null);
      dEncoderFinal[l] = r.dInit;
      dOut = r.dx;
    }
    this.actionEmbedding.backward(T * B, cache.prev, dOut);
    const dEncoderOut = ws.f32('encoder.dOut', T * B * H);
    transposeBT(B, T, H, dE, dEncoderOut);
    if (this.taskIntoDecoder && this.stateIntoDecoder) {
      this.stateIntoDecoder.backward(be, T * B, cache.obs.steps, dOut);
      this.taskIntoDecoder.backward(be, T * B, cache.encoderOut, dOut, dEncoderOut, true);
    }

    dOut = dEncoderOut;
    for (let l = this.encoder.length - 1; l >= 0; l--) {
      const r = this.encoder[l].backward(be, ws, cache.encoder[l], dOut, dEncoderFinal[l]);
      dOut = r.dx;
    }
    this.input.backward(be, T * B, cache.obs.x, dOut);
  }

  /** Step-by-step decoding in the policy's decoding workspace (one decoder at a time). */
  beginDecode(be: Backend, obs: ObservationBatch): PolicyDecoder {
    const ws = this.decodeWs;
    const ticket = ws.begin();
    const { B } = obs;
    const H = this.config.hidden;
    const S = this.stepFeatures;
    const enc = this.encode(be, ws, obs);
    // Each layer's state alternates between two buffers (a step's input and output must not alias).
    const buffers = this.decoder.map((layer) =>
      [0, 1].map((k) => ({
        h: ws.f32(`${layer.name}.state${k}.h`, B * H),
        c: ws.f32(`${layer.name}.state${k}.c`, B * H),
      })),
    );
    const states = [...enc.finals];
    const x = ws.f32('decoder.stepIn', B * H);
    const headIn = ws.f32('head.stepIn', B * (H + S));
    return {
      step: (t, prev, steps, head) => {
        ws.assertCurrent(ticket, 'Seq2SeqPolicy decoder');
        this.decoderInput(be, B, prev, enc.out.subarray(t * B * H, (t + 1) * B * H), steps, x);
        let input: Float32Array = x;
        this.decoder.forEach((layer, l) => {
          const next = buffers[l][t & 1];
          layer.step(be, ws, B, input, states[l], next);
          states[l] = next;
          input = next.h;
        });
        const att = this.attention.forward(be, ws, enc.keys, 1, input);
        const hin = S === 0 ? att.out : headIn;
        if (S > 0)
          for (let b = 0; b < B; b++) {
            headIn.set(att.out.subarray(b * H, (b + 1) * H), b * (H + S));
            headIn.set(steps.subarray(b * S, (b + 1) * S), b * (H + S) + H);
          }
        this.head.forward(be, B, hin, head);
        this.prior?.apply(B, headIn, H + S, H, head);
      },
    };
  }
}

/** [B × T × H] attention outputs joined with the time-major step features [T × B × S] → out [B × T × (H + S)]. */
function concatStepFeatures(
  B: number,
  T: number,
  H: number,
  att: Float32Array,
  S: number,
  steps: Float32Array,
  out: Float32Array,
): void {
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      const r = b * T + t;
      out.set(att.subarray(r * H, (r + 1) * H), r * (H + S));
      out.set(steps.subarray((t * B + b) * S, (t * B + b + 1) * S), r * (H + S) + H);
    }
}

/** The first `width` columns of a [rows × stride] matrix, into out [rows × width]. */
function takeColumns(
  rows: number,
  stride: number,
  width: number,
  src: Float32Array,
  out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * stride, r * stride + width), r * width);
}
