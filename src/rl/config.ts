/**
 * Every setting of a training run in one validated object. Defaults are the paper's Table 2 where it
 * gives one; the rest are documented choices. Loadable from a JSON file (unknown keys are errors) and
 * saved with every run.
 */
import { MAX_META_BATCH } from '../util/rng-streams.js';
import { isObject } from '../util/is-object.js';
import { readFileSync } from 'node:fs';
import type { AdamConfig } from '../nn/adam.js';
import { ATTENTION_KINDS } from '../nn/attention.js';
import {
  DEFAULT_POLICY,
  PAPER_POLICY,
  POLICY_ARCHS,
  withPolicyDefaults,
  type PolicyConfig,
} from '../policy/policy.js';
import { LOOKAHEADS } from '../policy/step-features.js';
import { InputError } from '../util/errors.js';

export interface PpoConfig {
  /** Adam learning rate (α in Table 2). */
  learningRate: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEps: number;
  /** Discount γ and GAE λ (Eq. 18). */
  gamma: number;
  gaeLambda: number;
  /**
   * Advantage estimator: `gae` (Eq. 18, with the learned value) or `group`: each trajectory's return
   * minus the mean return of the trajectories sampled for the same DAG, on every step of it (a
   * critic-free baseline, as GRPO and the multi-sample baselines of neural combinatorial optimisation).
   */
  advantage: AdvantageEstimator;
  /** Clipping constant ε of Eq. 17. */
  clipEpsilon: number;
  /** Value-loss coefficient c1 of Eq. 19. */
  valueCoef: number;
  /** Entropy bonus coefficient (not in the paper: 0). */
  entropyCoef: number;
  /** m: gradient steps per batch of trajectories (Table 2: 3). */
  gradientSteps: number;
  /** Minibatches per gradient step (1 = the whole batch, as the paper). */
  minibatches: number;
  normalizeAdvantages: boolean;
  /** Clip the value loss around the old values with ε (not in the paper: off). */
  clipValueLoss: boolean;
  /** Global gradient-norm clipping (not in the paper; 0 turns it off). */
  maxGradNorm: number;
  /** Trajectories sampled per DAG per batch (Sec. 5.3: 20). */
  trajectoriesPerDag: number;
  /** DAGs per batch; when the data holds more, a seeded random subset is drawn each iteration. */
  dagsPerBatch: number;
}

/** An Adam with the run's constants (β1, β2, ε) and learning rate `lr` (default α: the PPO one). */
export function adamConfigOf(ppo: PpoConfig, lr = ppo.learningRate): AdamConfig {
  return { lr, beta1: ppo.adamBeta1, beta2: ppo.adamBeta2, eps: ppo.adamEps };
}

export type AdvantageEstimator = 'gae' | 'group';
export const ADVANTAGE_ESTIMATORS: readonly AdvantageEstimator[] = ['gae', 'group'];

export const DEFAULT_PPO: PpoConfig = {
  learningRate: 5e-4,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEps: 1e-8,
  gamma: 0.99,
  gaeLambda: 0.95,
  advantage: 'group',
  clipEpsilon: 0.2,
  valueCoef: 0.5,
  entropyCoef: 0,
  gradientSteps: 3,
  minibatches: 1,
  normalizeAdvantages: true,
  clipValueLoss: false,
  maxGradNorm: 0.5,
  trajectoriesPerDag: 20,
  dagsPerBatch: 100,
};

/** The outer loop of MRLCO (Alg. 1); the inner loop uses `ppo` (α = ppo.learningRate, m = ppo.gradientSteps). */
export interface MetaSettings {
  /** n: learning tasks per meta-batch. */
  metaBatch: number;
  /** β: the outer Adam's learning rate (Table 2: 5e-4). */
  outerLearningRate: number;
}

export const DEFAULT_META: MetaSettings = { metaBatch: 10, outerLearningRate: 5e-4 };

export interface RunConfig {
  policy: PolicyConfig;
  ppo: PpoConfig;
  meta: MetaSettings;
  iterations: number;
  /** Evaluate (argmax decoding) every this many iterations; the last iteration is always evaluated. */
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
}

export const DEFAULT_RUN: RunConfig = {
  policy: DEFAULT_POLICY,
  ppo: DEFAULT_PPO,
  meta: DEFAULT_META,
  iterations: 100,
  evalEvery: 1,
  checkpointEvery: 1,
  seed: 1,
};

type Checker = (value: unknown) => string | undefined;
const positive: Checker = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'a positive number';
const nonNegative: Checker = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a non-negative number';
const unit: Checker = (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'a number in [0, 1]');
const openUnit: Checker = (v) =>
  typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)';
const positiveInt: Checker = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 ? undefined : 'a positive integer';
const nonNegativeInt: Checker = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : 'a non-negative integer';
/** An integer in [lo, hi]: sizes with a bound, so that a typo is refused instead of exhausting memory. */
const intIn =
  (lo: number, hi: number): Checker =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi
      ? undefined
      : `an integer from ${lo} to ${hi}`;
const bool: Checker = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const oneOf =
  (values: readonly string[]): Checker =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `one of ${values.join(', ')}`;

const PPO_CHECKS: Record<keyof PpoConfig, Checker> = {
  learningRate: positive,
  adamBeta1: openUnit,
  adamBeta2: openUnit,
  adamEps: positive,
  gamma: unit,
  gaeLambda: unit,
  advantage: oneOf(ADVANTAGE_ESTIMATORS),
  clipEpsilon: positive,
  valueCoef: nonNegative,
  entropyCoef: nonNegative,
  gradientSteps: intIn(1, 1000),
  minibatches: intIn(1, 10_000),
  normalizeAdvantages: bool,
  clipValueLoss: bool,
  maxGradNorm: nonNegative,
  trajectoriesPerDag: intIn(1, 10_000),
  dagsPerBatch: intIn(1, 1_000_000),
};

const POLICY_CHECKS: Record<keyof PolicyConfig, Checker> = {
  arch: oneOf(POLICY_ARCHS),
  lookahead: oneOf(LOOKAHEADS),
  priorGain: nonNegative,
  neighbours: intIn(0, 64),
  hidden: intIn(1, 4096),
  layers: intIn(1, 16),
  layerNorm: bool,
  attention: oneOf(ATTENTION_KINDS),
};

const META_CHECKS: Record<keyof MetaSettings, Checker> = {
  metaBatch: intIn(1, MAX_META_BATCH),
  outerLearningRate: positive,
};

const RUN_CHECKS: Record<Exclude<keyof RunConfig, 'policy' | 'ppo' | 'meta'>, Checker> = {
  iterations: nonNegativeInt,
  evalEvery: positiveInt,
  checkpointEvery: positiveInt,
  seed: nonNegativeInt,
};

function mergeSection<T extends object>(
  base: T,
  patch: unknown,
  checks: Record<string, Checker>,
  where: string,
  origin: string,
): T {
  if (patch === undefined) return base;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw InputError.inFile(origin, `${where} must be an object`);
  const out = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    const check = checks[key];
    if (!check)
      throw InputError.inFile(
        origin,
        `unknown setting ${where}.${key} (known: ${Object.keys(checks).join(', ')})`,
      );
    const problem = check(value);
    if (problem)
      throw InputError.inFile(origin, `${where}.${key} must be ${problem}, got ${JSON.stringify(value)}`);
    out[key] = value;
  }
  return out as T;
}

/** Applies a partial configuration (from a file or from flags) on top of `base`, validating each value. */
export function mergeRunConfig(base: RunConfig, patch: unknown, origin: string): RunConfig {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw InputError.inFile(origin, 'the configuration must be a JSON object');
  const { policy, ppo, meta, ...rest } = patch as Record<string, unknown>;
  const top = mergeSection(
    {
      iterations: base.iterations,
      evalEvery: base.evalEvery,
      checkpointEvery: base.checkpointEvery,
      seed: base.seed,
    },
    rest,
    RUN_CHECKS,
    'run',
    origin,
  );
  // Choosing another architecture starts from that architecture's defaults (the paper's network is
  // Table 2's), so that `--arch paper` is the paper's network and not the default one's sizes.
  const basePolicy = withPolicyDefaults(base.policy);
  const arch = isObject(policy) ? policy.arch : undefined;
  const policyBase =
    typeof arch === 'string' && arch !== basePolicy.arch
      ? arch === 'paper'
        ? PAPER_POLICY
        : { ...DEFAULT_POLICY, arch: arch as PolicyConfig['arch'] }
      : basePolicy;
  const mergedPolicy = mergeSection(policyBase, policy, POLICY_CHECKS, 'policy', origin);
  if (mergedPolicy.arch === 'paper' && mergedPolicy.lookahead !== 'none')
    throw InputError.inFile(
      origin,
      `policy.lookahead must be none for the paper architecture (it sees no simulator state), got ${mergedPolicy.lookahead}`,
    );
  return {
    ...top,
    policy: mergedPolicy,
    ppo: mergeSection(base.ppo, ppo, PPO_CHECKS, 'ppo', origin),
    meta: mergeSection(base.meta ?? DEFAULT_META, meta, META_CHECKS, 'meta', origin),
  };
}

export function loadRunConfig(path: string, base: RunConfig = DEFAULT_RUN): RunConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw InputError.inFile(path, 'cannot read the configuration file');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw InputError.inFile(path, `malformed JSON: ${(err as Error).message}`);
  }
  return mergeRunConfig(base, doc, path);
}

/** Parses JSON text from `origin` (a file, a message), one line naming it when the text is not JSON. */
function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw InputError.inFile(origin, `malformed JSON: ${(err as Error).message}`);
  }
}

/**
 * A policy configuration received as JSON (over the wire, from a stored state), validated as the
 * command line's is; missing fields are the paper's network's (as in checkpoints that predate them).
 */
export function policyConfigFromJson(text: string, origin: string): PolicyConfig {
  return policyConfigFromValue(parseJson(text, origin), origin);
}

/** A policy configuration as a parsed value (a checkpoint's header), validated; see policyConfigFromJson. */
export function policyConfigFromValue(value: unknown, origin: string): PolicyConfig {
  return mergeRunConfig({ ...DEFAULT_RUN, policy: PAPER_POLICY }, { policy: value }, origin).policy;
}

/** A PPO configuration received as JSON, validated; missing fields take the defaults. */
export function ppoConfigFromJson(text: string, origin: string): PpoConfig {
  return mergeRunConfig(DEFAULT_RUN, { ppo: parseJson(text, origin) }, origin).ppo;
}

/**
 * A whole run configuration as a parsed value (a stored state, a checkpoint's header), validated; a
 * policy without fields of later versions is the paper's network, as in policyConfigFromValue.
 */
export function runConfigFromValue(value: unknown, origin: string): RunConfig {
  return mergeRunConfig({ ...DEFAULT_RUN, policy: PAPER_POLICY }, value, origin);
}
