/**
 * The lookahead as a prior on the logits: logit_1 −= g · (C_1 − C_0) (in the step features' scale), with
 * the gain g learned. At g > 0 the untrained policy prefers the action whose completed makespan is
 * smaller, so training starts from the rollout heuristic's choices and learns where to deviate from
 * them; g = 0 makes it an ordinary input. Shared by the architectures that see the state.
 */
import { glorot, type Init, type Param, type ParamSet } from '../nn/params.js';
import { Linear } from '../nn/linear.js';
import { hasLookaheadPrior, type PolicyConfig } from './policy.js';
import { LOOKAHEAD_DIFFERENCE } from './step-features.js';

export class LookaheadPrior {
  readonly gain: Param;

  constructor(params: ParamSet, initialGain: number) {
    this.gain = params.declare('lookahead_prior.gain', [1], { kind: 'constant', value: initialGain });
  }

  /**
   * head[r·3 + 1] −= g · d_r for `rows` rows, where d_r = src[r·stride + at + LOOKAHEAD_DIFFERENCE]
   * (`at`: where the step features start in a row of `src`).
   */
  apply(rows: number, src: Float32Array, stride: number, at: number, head: Float32Array): void {
    const g = this.gain.data[0];
    const k = at + LOOKAHEAD_DIFFERENCE;
    for (let r = 0; r < rows; r++) head[3 * r + 1] -= g * src[r * stride + k];
  }

  /** dg += Σ_r dHead[r·3 + 1] · (−d_r). */
  backward(rows: number, src: Float32Array, stride: number, at: number, dHead: Float32Array): void {
    const k = at + LOOKAHEAD_DIFFERENCE;
    let s = 0;
    for (let r = 0; r < rows; r++) s -= dHead[3 * r + 1] * src[r * stride + k];
    this.gain.grad[0] += s;
  }
}

/**
 * The policy head (two logits and a value from `inSize` inputs) and, when the configuration has one,
 * the lookahead prior on it. With a prior the head starts at 0.01 of its Glorot scale (CleanRL's small
 * policy head), so that the untrained policy is the prior itself and not the prior plus noise.
 * Call `settle` once the parameters are allocated.
 */
export function headWithPrior(
  params: ParamSet,
  inSize: number,
  config: PolicyConfig,
): { head: Linear; prior: LookaheadPrior | undefined; settle: () => void } {
  if (!hasLookaheadPrior(config))
    return { head: new Linear(params, 'head', inSize, 3), prior: undefined, settle: () => {} };
  const g = glorot(inSize, 3);
  const small: Init = g.kind === 'uniform' ? { kind: 'uniform', scale: 0.01 * g.scale } : g;
  const head = new Linear(params, 'head', inSize, 3, true, small);
  const prior = new LookaheadPrior(params, config.priorGain);
  // A tie in the lookahead goes to offload, as in HEFT's rule: a small bias on logit 1.
  return { head, prior, settle: () => (head.bias!.data[1] = PRIOR_TIE_BIAS) };
}

const PRIOR_TIE_BIAS = 1e-3;
