/** Options shared by the learning commands: datasets, run configuration, and their overrides. */
import { Option, type Command } from 'commander';
import { readDataset } from '../dag/io.js';
import type { TaskSpec } from '../experiments/drl.js';
import { ATTENTION_KINDS, type AttentionKind } from '../nn/attention.js';
import { DEFAULT_RUN, loadRunConfig, mergeRunConfig, type RunConfig } from '../rl/config.js';
import { UsageError } from '../util/errors.js';
import {
  addSystemOptions,
  parseNonNegativeInt,
  parsePositive,
  parsePositiveInt,
  systemFromOptions,
  type SystemCliOptions,
} from './options.js';

export interface RunCliOptions extends SystemCliOptions {
  data?: string;
  config?: string;
  iterations?: number;
  hidden?: number;
  layers?: number;
  layerNorm?: boolean;
  attention?: AttentionKind;
  seed?: number;
  trajectories?: number;
  dagsPerBatch?: number;
  lr?: number;
  gradientSteps?: number;
  minibatches?: number;
}

export function addRunOptions(cmd: Command, { iterations = true } = {}): Command {
  if (iterations)
    cmd.option('--iterations <n>', `PPO iterations (default ${DEFAULT_RUN.iterations})`, parseNonNegativeInt);
  cmd
    .option('--config <file>', 'a JSON run configuration (see docs/training.md); flags override it')
    .option(
      '--hidden <units>',
      `LSTM units per layer (default ${DEFAULT_RUN.policy.hidden})`,
      parsePositiveInt,
    )
    .option(
      '--layers <n>',
      `LSTM layers in encoder and decoder (default ${DEFAULT_RUN.policy.layers})`,
      parsePositiveInt,
    )
    .option('--layer-norm', 'layer normalisation in the LSTMs (default on)')
    .option('--no-layer-norm', 'no layer normalisation')
    .addOption(
      new Option('--attention <kind>', `attention score (default ${DEFAULT_RUN.policy.attention})`).choices(
        ATTENTION_KINDS,
      ),
    )
    .option('--seed <seed>', `the run's one seed (default ${DEFAULT_RUN.seed})`, parseNonNegativeInt)
    .option(
      '--trajectories <k>',
      `trajectories sampled per DAG per batch (default ${DEFAULT_RUN.ppo.trajectoriesPerDag})`,
      parsePositiveInt,
    )
    .option(
      '--dags-per-batch <n>',
      `DAGs per batch (default ${DEFAULT_RUN.ppo.dagsPerBatch})`,
      parsePositiveInt,
    )
    .option('--lr <rate>', `Adam learning rate (default ${DEFAULT_RUN.ppo.learningRate})`, parsePositive)
    .option(
      '--gradient-steps <m>',
      `PPO gradient steps per batch (default ${DEFAULT_RUN.ppo.gradientSteps})`,
      parsePositiveInt,
    )
    .option(
      '--minibatches <n>',
      `minibatches per gradient step (default ${DEFAULT_RUN.ppo.minibatches})`,
      parsePositiveInt,
    );
  addSystemOptions(cmd);
  return cmd;
}

/** The configuration: defaults, then --config FILE, then flags. */
export function runConfigFromOptions(opts: RunCliOptions, base: RunConfig = DEFAULT_RUN): RunConfig {
  let config = opts.config ? loadRunConfig(opts.config, base) : base;
  const policy: Record<string, unknown> = {};
  const ppo: Record<string, unknown> = {};
  const top: Record<string, unknown> = {};
  if (opts.hidden !== undefined) policy.hidden = opts.hidden;
  if (opts.layers !== undefined) policy.layers = opts.layers;
  if (opts.layerNorm !== undefined) policy.layerNorm = opts.layerNorm;
  if (opts.attention !== undefined) policy.attention = opts.attention;
  if (opts.iterations !== undefined) top.iterations = opts.iterations;
  if (opts.seed !== undefined) top.seed = opts.seed;
  if (opts.trajectories !== undefined) ppo.trajectoriesPerDag = opts.trajectories;
  if (opts.dagsPerBatch !== undefined) ppo.dagsPerBatch = opts.dagsPerBatch;
  if (opts.lr !== undefined) ppo.learningRate = opts.lr;
  if (opts.gradientSteps !== undefined) ppo.gradientSteps = opts.gradientSteps;
  if (opts.minibatches !== undefined) ppo.minibatches = opts.minibatches;
  config = mergeRunConfig(config, { ...top, policy, ppo }, 'command line');
  return config;
}

/** `--data DIR[,DIR…]` with the command's system options: one learning task per folder. */
export function taskSpecsFromOptions(opts: RunCliOptions): TaskSpec[] {
  if (!opts.data) throw new UsageError('--data is required: one or more dataset folders, comma-separated');
  const { system, model } = systemFromOptions(opts);
  return opts.data
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map((dir) => ({ dataset: readDataset(dir), system, profile: model.profile }));
}
