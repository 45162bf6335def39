/**
 * Options shared by the learning commands: datasets, the run configuration, and one flag per setting.
 * Each flag is declared once here (flag, the setting it patches, its parser and help) and turned into a
 * configuration patch by the same table, so a flag a command shows is always the setting it changes.
 */
import { Option, type Command } from 'commander';
import { readDataset } from '../dag/io.js';
import type { TaskSpec } from '../experiments/drl.js';
import { ATTENTION_KINDS } from '../nn/attention.js';
import { POLICY_ARCHS } from '../policy/policy.js';
import { LOOKAHEADS } from '../policy/step-features.js';
import {
  ADVANTAGE_ESTIMATORS,
  DEFAULT_RUN,
  loadRunConfig,
  mergeRunConfig,
  type RunConfig,
} from '../rl/config.js';
import { UsageError } from '../util/errors.js';
import {
  addSystemOptions,
  parseNonNegative,
  parseNonNegativeInt,
  parsePositive,
  parsePositiveInt,
  parseUnit,
  type SystemCliOptions,
  systemFromOptions,
} from './options.js';

type Section = 'policy' | 'ppo' | 'meta' | 'run';

/** One command-line flag for one setting of the run configuration. */
interface SettingFlag {
  /** The commander attribute name (camelCase of the flag). */
  attr: string;
  flags: string;
  section: Section;
  key: string;
  help: string;
  parse?: (value: string) => number;
  choices?: readonly string[];
}

const P = DEFAULT_RUN.policy;
const O = DEFAULT_RUN.ppo;

/** The policy network's settings (a policy's shape: not for commands that load one). */
export const POLICY_FLAGS: readonly SettingFlag[] = [
  {
    attr: 'arch',
    flags: '--arch <arch>',
    section: 'policy',
    key: 'arch',
    help: `policy network: mlp (per-step MLP on the state), seq2seq (the paper's network with the state made explicit), paper (Sec. 4.2 as printed) (default ${P.arch})`,
    choices: POLICY_ARCHS,
  },
  {
    attr: 'lookahead',
    flags: '--lookahead <kind>',
    section: 'policy',
    key: 'lookahead',
    help: `lookahead features: each action's makespan with the later tasks completed by HEFT's rule (heft) or by the HEFT-rollout (rollout), or none; not for --arch paper (default ${P.lookahead})`,
    choices: LOOKAHEADS,
  },
  {
    attr: 'priorGain',
    flags: '--prior-gain <g>',
    section: 'policy',
    key: 'priorGain',
    help: `initial gain of the lookahead prior on the logits, 0 = no prior (default ${P.priorGain})`,
    parse: parseNonNegative,
  },
  {
    attr: 'hidden',
    flags: '--hidden <units>',
    section: 'policy',
    key: 'hidden',
    help: `units per layer (default ${P.hidden})`,
    parse: parsePositiveInt,
  },
  {
    attr: 'layers',
    flags: '--layers <n>',
    section: 'policy',
    key: 'layers',
    help: `LSTM layers in encoder and decoder, or the MLP's hidden layers (default ${P.layers})`,
    parse: parsePositiveInt,
  },
  {
    attr: 'attention',
    flags: '--attention <kind>',
    section: 'policy',
    key: 'attention',
    help: `attention score of the seq2seq networks (default ${P.attention})`,
    choices: ATTENTION_KINDS,
  },
];

export const PPO_FLAGS: readonly SettingFlag[] = [
  {
    attr: 'trajectories',
    flags: '--trajectories <k>',
    section: 'ppo',
    key: 'trajectoriesPerDag',
    help: `trajectories sampled per DAG per batch (default ${O.trajectoriesPerDag})`,
    parse: parsePositiveInt,
  },
  {
    attr: 'dagsPerBatch',
    flags: '--dags-per-batch <n>',
    section: 'ppo',
    key: 'dagsPerBatch',
    help: `DAGs per batch (default ${O.dagsPerBatch})`,
    parse: parsePositiveInt,
  },
  {
    attr: 'lr',
    flags: '--lr <rate>',
    section: 'ppo',
    key: 'learningRate',
    help: `Adam learning rate α (default ${O.learningRate})`,
    parse: parsePositive,
  },
  {
    attr: 'gradientSteps',
    flags: '--gradient-steps <m>',
    section: 'ppo',
    key: 'gradientSteps',
    help: `PPO gradient steps per batch, m (default ${O.gradientSteps})`,
    parse: parsePositiveInt,
  },
  {
    attr: 'minibatches',
    flags: '--minibatches <n>',
    section: 'ppo',
    key: 'minibatches',
    help: `minibatches per gradient step (default ${O.minibatches})`,
    parse: parsePositiveInt,
  },
  {
    attr: 'advantage',
    flags: '--advantage <kind>',
    section: 'ppo',
    key: 'advantage',
    help: `advantage estimator: gae (Eq. 18) or group (return minus the mean of the same DAG's trajectories) (default ${O.advantage})`,
    choices: ADVANTAGE_ESTIMATORS,
  },
  {
    attr: 'entropyCoef',
    flags: '--entropy-coef <c>',
    section: 'ppo',
    key: 'entropyCoef',
    help: `entropy bonus coefficient (default ${O.entropyCoef})`,
    parse: parseNonNegative,
  },
  {
    attr: 'clipEpsilon',
    flags: '--clip-epsilon <eps>',
    section: 'ppo',
    key: 'clipEpsilon',
    help: `PPO clipping constant ε (default ${O.clipEpsilon})`,
    parse: parsePositive,
  },
  {
    attr: 'gamma',
    flags: '--gamma <g>',
    section: 'ppo',
    key: 'gamma',
    help: `discount γ (default ${O.gamma})`,
    parse: parseUnit,
  },
  {
    attr: 'gaeLambda',
    flags: '--gae-lambda <l>',
    section: 'ppo',
    key: 'gaeLambda',
    help: `GAE λ (default ${O.gaeLambda})`,
    parse: parseUnit,
  },
];

const SEED_FLAG: SettingFlag = {
  attr: 'seed',
  flags: '--seed <seed>',
  section: 'run',
  key: 'seed',
  help: `the run's one seed (default ${DEFAULT_RUN.seed})`,
  parse: parseNonNegativeInt,
};

const EVAL_EVERY_FLAG: SettingFlag = {
  attr: 'evalEvery',
  flags: '--eval-every <n>',
  section: 'run',
  key: 'evalEvery',
  help: `evaluate the argmax policy every n iterations (and at the last) (default ${DEFAULT_RUN.evalEvery})`,
  parse: parsePositiveInt,
};

const ITERATIONS_FLAG: SettingFlag = {
  attr: 'iterations',
  flags: '--iterations <n>',
  section: 'run',
  key: 'iterations',
  help: `training iterations (default ${DEFAULT_RUN.iterations})`,
  parse: parseNonNegativeInt,
};

export function addSettingFlags(cmd: Command, flags: readonly SettingFlag[]): Command {
  for (const f of flags) {
    const option = new Option(f.flags, f.help);
    if (f.choices) option.choices(f.choices);
    if (f.parse) option.argParser(f.parse);
    cmd.addOption(option);
  }
  if (flags.some((f) => f.section === 'policy' && f.key === 'hidden')) {
    cmd.option('--layer-norm', 'layer normalisation in the LSTMs of the seq2seq networks');
    cmd.option('--no-layer-norm', 'no layer normalisation');
  }
  return cmd;
}

/** The configuration patch of the given flags' values (only flags that were given). */
export function settingsPatch(
  opts: Record<string, unknown>,
  flags: readonly SettingFlag[],
): Record<string, unknown> {
  const patch: Record<string, Record<string, unknown>> = { policy: {}, ppo: {}, meta: {}, run: {} };
  for (const f of flags) if (opts[f.attr] !== undefined) patch[f.section][f.key] = opts[f.attr];
  if (flags.some((f) => f.key === 'hidden') && opts.layerNorm !== undefined)
    patch.policy.layerNorm = opts.layerNorm;
  // Only the sections a flag was given for: an empty one would override a caller's own defaults.
  const { run, ...sections } = patch;
  const given = Object.fromEntries(Object.entries(sections).filter(([, v]) => Object.keys(v).length > 0));
  return { ...run, ...given };
}

export interface RunCliOptions extends SystemCliOptions {
  data?: string;
  config?: string;
  [flag: string]: unknown;
}

/** The learning commands' flags: --config, the seed, the policy (unless it comes from a checkpoint), PPO, the system. */
export function addRunOptions(
  cmd: Command,
  { iterations = true, policy = true, system = true } = {},
): Command {
  cmd.option('--config <file>', 'a JSON run configuration (see docs/training.md); flags override it');
  addSettingFlags(cmd, runFlags({ iterations, policy }));
  // Commands whose tasks fix the system (meta-train's presets) do not show the system options.
  if (system) addSystemOptions(cmd);
  return cmd;
}

function runFlags({ iterations = true, policy = true }): SettingFlag[] {
  return [
    ...(iterations ? [ITERATIONS_FLAG, EVAL_EVERY_FLAG] : []),
    SEED_FLAG,
    ...(policy ? POLICY_FLAGS : []),
    ...PPO_FLAGS,
  ];
}

/** The configuration: `base`, then --config FILE, then flags. */
export function runConfigFromOptions(
  opts: RunCliOptions,
  base: RunConfig = DEFAULT_RUN,
  { iterations = true, policy = true } = {},
): RunConfig {
  const config = opts.config ? loadRunConfig(opts.config, base) : base;
  return mergeRunConfig(config, settingsPatch(opts, runFlags({ iterations, policy })), 'command line');
}

/** `--data DIR[,DIR…]` with the command's system options: one learning task per folder. */
export function taskSpecsFromOptions(opts: RunCliOptions): TaskSpec[] {
  if (!opts.data) throw new UsageError('--data is required: one or more dataset folders, comma-separated');
  const { system, model } = systemFromOptions(opts);
  return opts.data
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map((dir) => ({
      dataset: readDataset(dir),
      system,
      profile: model.profile,
      ...(model.rankWeight ? { rankWeight: model.rankWeight } : {}),
    }));
}
