/**
 * Every setting of a training run in one validated object. Defaults are the paper's Table 2 where it
 * gives one; the rest are documented choices. Loadable from a JSON file (unknown keys are errors) and
 * saved with every run.
 */
import { MAX_HIDDEN, MAX_ITERATIONS, MAX_META_BATCH, MAX_SEED } from '../util/limits.js';
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
import { LOOKAHEADS, OBSERVATIONS } from '../policy/step-features.js';
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

/** A setting's check: undefined when the value is valid, else what it must be ("a positive number"). */
export type Checker = (value: unknown) => string | undefined;
export const positive: Checker = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'a positive number';
export const nonNegative: Checker = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a non-negative number';
export const unit: Checker = (v) =>
  typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'a number in [0, 1]';
export const openUnit: Checker = (v) =>
  typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)';
export const positiveInt: Checker = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 ? undefined : 'a positive integer';
export const nonNegativeInt: Checker = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : 'a non-negative integer';
/** An integer in [lo, hi]: sizes with a bound, so that a typo is refused instead of exhausting memory. */
export const intIn =
  (lo: number, hi: number): Checker =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi
      ? undefined
      : `an integer from ${lo} to ${hi}`;
export const bool: Checker = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
export const oneOf =
  (values: readonly string[]): Checker =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `one of ${values.join(', ')}`;

/**
 * One setting, declared once: its check, its help text (the command line appends the default) and its
 * command-line flag, if it has one (else it is set in a --config file). Defaults are declared beside
 * (`default`); the policy's come from its network presets (policy/policy.ts).
 */
export interface Setting {
  check: Checker;
  help: string;
  /** The flag, e.g. '--lr <rate>'. */
  flag?: string;
  /** The values of a setting that is one of a few names. */
  choices?: readonly string[];
}

type Settings<T> = { [K in keyof T]: Setting & { default: T[K] } };

function defaultsOf<T>(settings: Settings<T>): T {
  return Object.fromEntries(
    Object.entries(settings).map(([k, v]) => [k, (v as { default: unknown }).default]),
  ) as T;
}

export const PPO_SETTINGS: Settings<PpoConfig> = {
  learningRate: { default: 5e-4, check: positive, help: 'Adam learning rate α', flag: '--lr <rate>' },
  adamBeta1: { default: 0.9, check: openUnit, help: "Adam's β1" },
  adamBeta2: { default: 0.999, check: openUnit, help: "Adam's β2" },
  adamEps: { default: 1e-8, check: positive, help: "Adam's ε" },
  gamma: { default: 0.99, check: unit, help: 'discount γ', flag: '--gamma <g>' },
  gaeLambda: { default: 0.95, check: unit, help: 'GAE λ', flag: '--gae-lambda <l>' },
  advantage: {
    default: 'group',
    check: oneOf(ADVANTAGE_ESTIMATORS),
    help: "advantage estimator: gae (Eq. 18) or group (return minus the mean of the same DAG's trajectories)",
    flag: '--advantage <kind>',
    choices: ADVANTAGE_ESTIMATORS,
  },
  clipEpsilon: {
    default: 0.2,
    check: positive,
    help: 'PPO clipping constant ε',
    flag: '--clip-epsilon <eps>',
  },
  valueCoef: { default: 0.5, check: nonNegative, help: 'value-loss coefficient c1 (Eq. 19)' },
  entropyCoef: {
    default: 0,
    check: nonNegative,
    help: 'entropy bonus coefficient',
    flag: '--entropy-coef <c>',
  },
  gradientSteps: {
    default: 3,
    check: intIn(1, 1000),
    help: 'PPO gradient steps per batch, m',
    flag: '--gradient-steps <m>',
  },
  minibatches: {
    default: 1,
    check: intIn(1, 10_000),
    help: 'minibatches per gradient step',
    flag: '--minibatches <n>',
  },
  normalizeAdvantages: { default: true, check: bool, help: 'normalise the advantages of a batch' },
  clipValueLoss: { default: false, check: bool, help: 'clip the value loss around the old values with ε' },
  maxGradNorm: { default: 0.5, check: nonNegative, help: 'global gradient-norm clipping (0: none)' },
  trajectoriesPerDag: {
    default: 20,
    check: intIn(1, 10_000),
    help: 'trajectories sampled per DAG per batch',
    flag: '--trajectories <k>',
  },
  dagsPerBatch: {
    default: 100,
    check: intIn(1, 1_000_000),
    help: 'DAGs per batch',
    flag: '--dags-per-batch <n>',
  },
};

export const DEFAULT_PPO: PpoConfig = defaultsOf(PPO_SETTINGS);

/** The outer loop of MRLCO (Alg. 1); the inner loop uses `ppo` (α = ppo.learningRate, m = ppo.gradientSteps). */
export interface MetaSettings {
  /** n: learning tasks per meta-batch. */
  metaBatch: number;
  /** β: the outer Adam's learning rate (Table 2: 5e-4). */
  outerLearningRate: number;
}

export const META_SETTINGS: Settings<MetaSettings> = {
  metaBatch: {
    default: 10,
    check: intIn(1, MAX_META_BATCH),
    help: 'learning tasks (in the federated service: devices) per meta-batch, n',
    flag: '--meta-batch <n>',
  },
  outerLearningRate: {
    default: 5e-4,
    check: positive,
    help: "the outer Adam's learning rate β",
    flag: '--outer-lr <rate>',
  },
};

export const DEFAULT_META: MetaSettings = defaultsOf(META_SETTINGS);

/** The policy's settings; their defaults are the network presets' (DEFAULT_POLICY, PAPER_POLICY). */
export const POLICY_SETTINGS: Record<keyof PolicyConfig, Setting> = {
  arch: {
    check: oneOf(POLICY_ARCHS),
    help: "policy network: mlp (per-step MLP on the state), seq2seq (the paper's network with the state made explicit), paper (Sec. 4.2 as printed)",
    flag: '--arch <arch>',
    choices: POLICY_ARCHS,
  },
  lookahead: {
    check: oneOf(LOOKAHEADS),
    help: "lookahead features: each action's makespan with the later tasks completed by HEFT's rule (heft) or by the HEFT-rollout (rollout), or none; not for --arch paper",
    flag: '--lookahead <kind>',
    choices: LOOKAHEADS,
  },
  priorGain: {
    check: nonNegative,
    help: 'initial gain of the lookahead prior on the logits, 0 = no prior',
    flag: '--prior-gain <g>',
  },
  neighbours: { check: intIn(0, 64), help: 'parent and child positions per task embedding, p' },
  hidden: { check: intIn(1, MAX_HIDDEN), help: 'units per layer', flag: '--hidden <units>' },
  layers: {
    check: intIn(1, 16),
    help: "LSTM layers in encoder and decoder, or the MLP's hidden layers",
    flag: '--layers <n>',
  },
  // A pair of flags (--layer-norm, --no-layer-norm): the command line declares them.
  layerNorm: { check: bool, help: 'layer normalisation in the LSTMs of the seq2seq networks' },
  attention: {
    check: oneOf(ATTENTION_KINDS),
    help: 'attention score of the seq2seq networks',
    flag: '--attention <kind>',
    choices: ATTENTION_KINDS,
  },
  observation: {
    check: oneOf(OBSERVATIONS),
    help: "what a state-aware policy sees: the latency model's state (model), or deciding online in a world the belief and the measurement history (online), and the world's context too (online-context); in a world the default is online",
    flag: '--observation <kind>',
    choices: OBSERVATIONS,
  },
};

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

type TopLevel = Omit<RunConfig, 'policy' | 'ppo' | 'meta'>;

export const RUN_SETTINGS: Settings<TopLevel> = {
  iterations: {
    default: 100,
    check: intIn(0, MAX_ITERATIONS),
    help: 'training iterations',
    flag: '--iterations <n>',
  },
  evalEvery: {
    default: 1,
    check: positiveInt,
    help: 'evaluate the argmax policy every n iterations (and at the last)',
    flag: '--eval-every <n>',
  },
  checkpointEvery: {
    default: 1,
    check: positiveInt,
    help: 'write the checkpoint every n iterations (and at the last)',
  },
  seed: { default: 1, check: intIn(0, MAX_SEED), help: "the run's one seed", flag: '--seed <seed>' },
};

export const DEFAULT_RUN: RunConfig = {
  policy: DEFAULT_POLICY,
  ppo: DEFAULT_PPO,
  meta: DEFAULT_META,
  ...defaultsOf(RUN_SETTINGS),
};

const checksOf = (settings: Record<string, Setting>): Record<string, Checker> =>
  Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v.check]));
const PPO_CHECKS = checksOf(PPO_SETTINGS);
const POLICY_CHECKS = checksOf(POLICY_SETTINGS);
const META_CHECKS = checksOf(META_SETTINGS);
const RUN_CHECKS = checksOf(RUN_SETTINGS);

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
  if (
    mergedPolicy.observation !== 'model' &&
    mergedPolicy.arch !== 'paper' &&
    mergedPolicy.lookahead === 'none'
  )
    throw InputError.inFile(
      origin,
      'policy.lookahead must be heft or rollout for a policy that decides online (its observation includes the lookahead on its belief)',
    );
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
  // A run folder's config.json is a valid --config: its description of the data is not a setting.
  if (isObject(doc)) for (const key of RUN_DESCRIPTION_KEYS) delete doc[key];
  return mergeRunConfig(base, doc, path);
}

/**
 * The keys a run folder's config.json adds beside the settings to describe the run's data (rl/run-folder.ts
 * writes the settings and this description together); a --config file may carry them and they are set
 * by the data, not by the file.
 */
export const RUN_DESCRIPTION_KEYS = [
  'tasks',
  'datasets',
  'trainTasks',
  'testTasks',
  'preset',
  'dataRoot',
  'maxDags',
] as const;

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
