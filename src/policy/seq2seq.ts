/**
 * The seq2seq offloading policy of Sec. 4.2 (Fig. 4, Table 2): an input projection, a multi-layer
 * LSTM encoder over the task embeddings, a multi-layer LSTM decoder fed the embedding of the previous
 * action and started from the encoder's final state, attention over the encoder outputs, and a head
 * with two action logits (0 = run on the device, 1 = offload) and a state value.
 *
 * `forward`/`backward` run teacher-forced over whole sequences (PPO's log-probabilities and values for
 * given actions); `decode` runs autoregressively, sampling (training) or taking the argmax (deployment).
 */
import type { Backend } from '../nn/backend.js';
import { Attention, type AttentionCache, type AttentionKeys, type AttentionKind } from '../nn/attention.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import { LstmLayer, type LstmCache, type LstmState } from '../nn/lstm.js';
import { ParamSet } from '../nn/params.js';
import { Rng } from '../util/rng.js';
import { DEFAULT_NEIGHBOURS, featureCount, type ObservationBatch } from './observation.js';

export interface PolicyConfig {
  /** p: parent and child positions per task embedding. */
  neighbours: number;
  hidden: number;
  /** LSTM layers in the encoder and in the decoder. */
  layers: number;
  layerNorm: boolean;
  attention: AttentionKind;
}

/** Table 2: 2 layers of 256 LSTM units with layer normalisation; the additive attention of [20]. */
export const PAPER_POLICY: PolicyConfig = {
  neighbours: DEFAULT_NEIGHBOURS,
  hidden: 256,
  layers: 2,
  layerNorm: true,
  attention: 'additive',
};

const START = 2;
const HEAD_OUT = 3; // two logits and the value

export interface ForwardCache {
  obs: ObservationBatch;
  prev: Int32Array;
  inputProj: Float32Array;
  encoder: LstmCache[];
  decoder: LstmCache[];
  keys: AttentionKeys;
  attention: AttentionCache;
  /** [B × T × 3] head outputs. */
  head: Float32Array;
}

export interface ForwardResult {
  /** [B × T × 2] action logits. */
  logits: Float32Array;
  /** [B × T] state values. */
  values: Float32Array;
  cache: ForwardCache;
}

export interface DecodeResult {
  /** [B × T] chosen actions (0 beyond each DAG's length). */
  actions: Uint8Array;
  /** [B × T] log-probabilities of the chosen actions and the values. */
  logProbs: Float32Array;
  values: Float32Array;
}

export class Seq2SeqPolicy {
  readonly params = new ParamSet();
  readonly features: number;
  private readonly input: Linear;
  private readonly encoder: LstmLayer[] = [];
  private readonly decoder: LstmLayer[] = [];
  private readonly actionEmbedding: Embedding;
  private readonly attention: Attention;
  private readonly head: Linear;

  constructor(
    readonly config: PolicyConfig,
    seed: number,
  ) {
    const H = config.hidden;
    this.features = featureCount(config.neighbours);
    this.input = new Linear(this.params, 'input', this.features, H);
    for (let l = 0; l < config.layers; l++)
      this.encoder.push(new LstmLayer(this.params, `encoder.${l}`, H, H, config.layerNorm));
    for (let l = 0; l < config.layers; l++)
      this.decoder.push(new LstmLayer(this.params, `decoder.${l}`, H, H, config.layerNorm));
    this.actionEmbedding = new Embedding(this.params, 'action', 3, H);
    this.attention = new Attention(this.params, 'attention', H, config.attention);
    this.head = new Linear(this.params, 'head', H, HEAD_OUT);
    // Weight initialisation has its own RNG stream, independent of sampling.
    this.params.allocate(new Rng(seed, 0x1417));
    for (const layer of [...this.encoder, ...this.decoder]) layer.initForgetBias();
  }

  private encode(
    be: Backend,
    obs: ObservationBatch,
  ): { inputProj: Float32Array; caches: LstmCache[]; finals: LstmState[]; keys: AttentionKeys } {
    const { B, T } = obs;
    const H = this.config.hidden;
    const inputProj = new Float32Array(T * B * H);
    this.input.forward(be, T * B, obs.x, inputProj);
    let x: Float32Array = inputProj;
    const caches: LstmCache[] = [];
    const finals: LstmState[] = [];
    for (const layer of this.encoder) {
      const r = layer.forward(be, T, B, x, obs.mask, {
        h: new Float32Array(B * H),
        c: new Float32Array(B * H),
      });
      caches.push(r.cache);
      finals.push(r.final);
      x = r.out;
    }
    const keys = this.attention.prepare(be, B, T, transposeTB(T, B, H, x), obs.lens);
    return { inputProj, caches, finals, keys };
  }

  /** Teacher-forced pass: logits and values for the given actions ([B × T], batch-major). */
  forward(be: Backend, obs: ObservationBatch, actions: Uint8Array): ForwardResult {
    const { B, T } = obs;
    const H = this.config.hidden;
    const enc = this.encode(be, obs);
    const prev = new Int32Array(T * B);
    for (let b = 0; b < B; b++) {
      prev[b] = START;
      for (let t = 1; t < T; t++) prev[t * B + b] = actions[b * T + t - 1];
    }
    let x: Float32Array = new Float32Array(T * B * H);
    this.actionEmbedding.forward(T * B, prev, x);
    const decoderCaches: LstmCache[] = [];
    this.decoder.forEach((layer, l) => {
      const r = layer.forward(be, T, B, x, obs.mask, enc.finals[l]);
      decoderCaches.push(r.cache);
      x = r.out;
    });
    const att = this.attention.forward(be, enc.keys, T, transposeTB(T, B, H, x));
    const head = new Float32Array(B * T * HEAD_OUT);
    this.head.forward(be, B * T, att.out, head);
    const logits = new Float32Array(B * T * 2);
    const values = new Float32Array(B * T);
    for (let r = 0; r < B * T; r++) {
      logits[2 * r] = head[3 * r];
      logits[2 * r + 1] = head[3 * r + 1];
      values[r] = head[3 * r + 2];
    }
    return {
      logits,
      values,
      cache: {
        obs,
        prev,
        inputProj: enc.inputProj,
        encoder: enc.caches,
        decoder: decoderCaches,
        keys: enc.keys,
        attention: att,
        head,
      },
    };
  }

  /** Accumulates parameter gradients from dLogits [B × T × 2] and dValues [B × T]. */
  backward(be: Backend, cache: ForwardCache, dLogits: Float32Array, dValues: Float32Array): void {
    const { B, T } = cache.obs;
    const H = this.config.hidden;
    const dHead = new Float32Array(B * T * HEAD_OUT);
    for (let r = 0; r < B * T; r++) {
      dHead[3 * r] = dLogits[2 * r];
      dHead[3 * r + 1] = dLogits[2 * r + 1];
      dHead[3 * r + 2] = dValues[r];
    }
    const dAtt = new Float32Array(B * T * H);
    this.head.backward(be, B * T, cache.attention.out, dHead, dAtt);
    const { dD, dE } = this.attention.backward(be, cache.keys, cache.attention, dAtt);

    // Decoder, top layer first; its initial-state gradients flow into the encoder's final states.
    let dOut: Float32Array = transposeBT(B, T, H, dD);
    const dEncoderFinal: LstmState[] = [];
    for (let l = this.decoder.length - 1; l >= 0; l--) {
      const r = this.decoder[l].backward(be, cache.decoder[l], dOut, null);
      dEncoderFinal[l] = r.dInit;
      dOut = r.dx;
    }
    this.actionEmbedding.backward(T * B, cache.prev, dOut);

    dOut = transposeBT(B, T, H, dE);
    for (let l = this.encoder.length - 1; l >= 0; l--) {
      const r = this.encoder[l].backward(be, cache.encoder[l], dOut, dEncoderFinal[l]);
      dOut = r.dx;
    }
    this.input.backward(be, T * B, cache.obs.x, dOut);
  }

  /** Autoregressive decoding: `sample` draws each action from the policy with `rng`, `greedy` takes the argmax. */
  decode(be: Backend, obs: ObservationBatch, mode: 'sample' | 'greedy', rng?: Rng): DecodeResult {
    if (mode === 'sample' && !rng) throw new Error('sampling needs an Rng');
    const { B, T, lens } = obs;
    const H = this.config.hidden;
    const enc = this.encode(be, obs);
    const states = enc.finals.map((s) => ({ h: s.h, c: s.c }));
    const actions = new Uint8Array(B * T);
    const logProbs = new Float32Array(B * T);
    const values = new Float32Array(B * T);
    const prev = new Int32Array(B).fill(START);
    const x = new Float32Array(B * H);
    const head = new Float32Array(B * HEAD_OUT);
    for (let t = 0; t < T; t++) {
      this.actionEmbedding.forward(B, prev, x);
      let input: Float32Array = x;
      this.decoder.forEach((layer, l) => {
        states[l] = layer.step(be, B, input, states[l]);
        input = states[l].h;
      });
      const att = this.attention.forward(be, enc.keys, 1, input);
      this.head.forward(be, B, att.out, head);
      for (let b = 0; b < B; b++) {
        if (t >= lens[b]) {
          prev[b] = 0;
          continue;
        }
        const l0 = head[3 * b];
        const l1 = head[3 * b + 1];
        const m = Math.max(l0, l1);
        const lse = m + Math.log(Math.exp(l0 - m) + Math.exp(l1 - m));
        const p1 = Math.exp(l1 - lse);
        const action = mode === 'greedy' ? (l1 > l0 ? 1 : 0) : rng!.next() < p1 ? 1 : 0;
        actions[b * T + t] = action;
        logProbs[b * T + t] = (action === 1 ? l1 : l0) - lse;
        values[b * T + t] = head[3 * b + 2];
        prev[b] = action;
      }
    }
    return { actions, logProbs, values };
  }
}

/** [T × B × H] → [B × T × H]. */
export function transposeTB(T: number, B: number, H: number, src: Float32Array): Float32Array {
  const out = new Float32Array(T * B * H);
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++) out.set(src.subarray((t * B + b) * H, (t * B + b + 1) * H), (b * T + t) * H);
  return out;
}

/** [B × T × H] → [T × B × H]. */
export function transposeBT(B: number, T: number, H: number, src: Float32Array): Float32Array {
  const out = new Float32Array(T * B * H);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) out.set(src.subarray((b * T + t) * H, (b * T + t + 1) * H), (t * B + b) * H);
  return out;
}

/** log π(a) for given actions from logits [B × T × 2]. */
export function logProbsOf(logits: Float32Array, actions: Uint8Array): Float32Array {
  const out = new Float32Array(actions.length);
  for (let r = 0; r < actions.length; r++) {
    const l0 = logits[2 * r];
    const l1 = logits[2 * r + 1];
    const m = Math.max(l0, l1);
    const lse = m + Math.log(Math.exp(l0 - m) + Math.exp(l1 - m));
    out[r] = (actions[r] === 1 ? l1 : l0) - lse;
  }
  return out;
}
