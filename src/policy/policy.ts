/**
 * One interface for the offloading policy networks. A policy maps, at each decoding step j, the
 * encoded DAG, the previous action and (for the architectures that see the state) the step features
 * of the simulator state to two action logits (0 = device, 1 = offload) and a state value.
 *
 * Architectures:
 *  - `paper`: the seq2seq network of Sec. 4.2 exactly (Fig. 4): it sees the DAG and its own previous
 *    action, nothing of the simulator state;
 *  - `seq2seq`: the same network with the state made explicit: decoder step j also receives task j's
 *    encoding and the step features, and the head sees the step features too;
 *  - `mlp`: a per-step multilayer perceptron on task j's own features and the step features.
 *
 * Training and deployment drive a policy through `beginDecode` (closed loop: the environment computes
 * the step features as actions are chosen) and `forward`/`backward` (teacher-forced over stored
 * trajectories, for PPO).
 */
import type { AttentionKind } from '../nn/attention.js';
import type { Backend } from '../nn/backend.js';
import type { ParamSet } from '../nn/params.js';
import { DEFAULT_NEIGHBOURS, type ObservationBatch } from './observation.js';
import type { Lookahead, Observation } from './step-features.js';

export type PolicyArch = 'paper' | 'seq2seq' | 'mlp';
export const POLICY_ARCHS: readonly PolicyArch[] = ['paper', 'seq2seq', 'mlp'];

export interface PolicyConfig {
  arch: PolicyArch;
  /** p: parent and child positions per task embedding. */
  neighbours: number;
  /** Units per layer (LSTM units for the seq2seq networks, hidden units for the MLP). */
  hidden: number;
  /** LSTM layers in the encoder and in the decoder, or the MLP's hidden layers. */
  layers: number;
  /** Layer normalisation in the LSTMs (seq2seq networks only). */
  layerNorm: boolean;
  /** Attention score (seq2seq networks only). */
  attention: AttentionKind;
  /** Lookahead features beside the state features (not for `paper`, which sees no state). */
  lookahead: Lookahead;
  /**
   * With a lookahead: the initial gain of the lookahead prior on the logits (policy/lookahead-prior.ts);
   * 0: none, the lookahead is only an input.
   */
  priorGain: number;
  /**
   * What the state-aware architectures see: the latency model's state (`model`) or, deciding online in
   * a world, the belief and the measurement history (`online`, which needs a lookahead).
   */
  observation: Observation;
}

/** Table 2: 2 layers of 256 LSTM units with layer normalisation; the additive attention of [20]. */
export const PAPER_POLICY: PolicyConfig = {
  arch: 'paper',
  neighbours: DEFAULT_NEIGHBOURS,
  hidden: 256,
  layers: 2,
  layerNorm: true,
  attention: 'additive',
  lookahead: 'none',
  priorGain: 0,
  observation: 'model',
};

/**
 * The default network, chosen by the learning benchmark (docs/training.md): the per-step MLP on the
 * state with the lookahead completed by the HEFT-rollout, the lookahead as a prior on the logits.
 */
export const DEFAULT_POLICY: PolicyConfig = {
  arch: 'mlp',
  neighbours: DEFAULT_NEIGHBOURS,
  hidden: 64,
  layers: 2,
  layerNorm: false,
  attention: 'luong',
  lookahead: 'rollout',
  priorGain: 10,
  observation: 'model',
};

/** Fills the fields a checkpoint written before architectures existed lacks: it is the paper's network. */
export function withPolicyDefaults(config: Partial<PolicyConfig>): PolicyConfig {
  return { ...PAPER_POLICY, ...config };
}

/** Does the architecture receive step features (the simulator state)? */
export function seesState(arch: PolicyArch): boolean {
  return arch !== 'paper';
}

/** Was the policy made to decide online in a world (its observation the belief and the history)? */
export function decidesOnline(config: PolicyConfig): boolean {
  return config.observation !== 'model';
}

/** Does the configuration put the lookahead prior on the logits? */
export function hasLookaheadPrior(config: PolicyConfig): boolean {
  return seesState(config.arch) && config.lookahead !== 'none' && config.priorGain > 0;
}

export interface ForwardResult {
  /** [B × T × 2] action logits. */
  logits: Float32Array;
  /** [B × T] state values. */
  values: Float32Array;
  /** What the architecture's backward needs. */
  cache: unknown;
}

/** Index of the "previous action" of the first decoding step. */
export const START_ACTION = 2;

/** One batch being decoded step by step; buffers are the decoder's own, allocated once. */
export interface PolicyDecoder {
  /**
   * Decoding step t for every row: `prev` [B] the previous actions (START_ACTION at t = 0), `steps`
   * [B × S] the step features of the current state; writes `head` [B × 3] (logit 0, logit 1, value).
   */
  step(t: number, prev: Int32Array, steps: Float32Array, head: Float32Array): void;
}

export interface OffloadingPolicy {
  readonly config: PolicyConfig;
  readonly params: ParamSet;
  /** F: features per task of the DAG encoding. */
  readonly features: number;
  /** S: step features per decoding step (0: the policy does not see the state). */
  readonly stepFeatures: number;
  /** Teacher-forced pass over stored trajectories: actions [B × T] batch-major, obs.steps the stored step features. */
  forward(be: Backend, obs: ObservationBatch, actions: Uint8Array): ForwardResult;
  /** Accumulates parameter gradients from dLogits [B × T × 2] and dValues [B × T]. */
  backward(be: Backend, cache: unknown, dLogits: Float32Array, dValues: Float32Array): void;
  beginDecode(be: Backend, obs: ObservationBatch): PolicyDecoder;
}
