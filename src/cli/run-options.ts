/**
 * Options shared by the learning commands: datasets, the run configuration, and one flag per setting.
 * The flags are derived from the settings' declarations (rl/config.ts: check, help, flag) and turned
 * into a configuration patch by the same table, so a flag a command shows is always the setting it
 * changes, checked by that setting's own check.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { readDatasetArg } from './dag-arg.js';
import type { TaskSpec } from '../experiments/drl.js';
import {
  DEFAULT_RUN,
  loadRunConfig,
  mergeRunConfig,
  POLICY_SETTINGS,
  META_SETTINGS,
  PPO_SETTINGS,
  RUN_SETTINGS,
  type Checker,
  type RunConfig,
  type Setting,
} from '../rl/config.js';
import { InputError, UsageError } from '../util/errors.js';
import { isObject } from '../util/is-object.js';
import { isSimProfile } from '../mec/profiles.js';
import { RANK_WEIGHTS, type RankWeight } from '../mec/rank.js';
import { recordedSystem } from '../rl/checkpoint.js';
import { readFileSync } from 'node:fs';
import { addSystemOptions, type SystemCliOptions, systemFromOptions } from './options.js';

type Section = 'policy' | 'ppo' | 'meta' | 'run';

/** One command-line flag for one declared setting (derived from its declaration). */
interface SettingFlag<S extends string = Section> {
  /** The commander attribute name (camelCase of the flag). */
  attr: string;
  flags: string;
  section: S;
  key: string;
  help: string;
  parse?: (value: string) => number;
  choices?: readonly string[];
}

/** '--dags-per-batch <n>' → 'dagsPerBatch' (commander's attribute name). */
function attrOf(flag: string): string {
  return flag
    .split(' ')[0]
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A number flag checked by its setting's own check, so that the message names the flag. */
function numberParser(check: Checker): (value: string) => number {
  return (value) => {
    const n = Number(value);
    const problem = value.trim() === '' || !Number.isFinite(n) ? 'a number' : check(n);
    if (problem) throw new InvalidArgumentError(`expected ${problem}.`);
    return n;
  };
}

/** The flags of a section's declared settings, with their defaults in the help. */
function flagsOf<S extends string>(
  section: S,
  settings: Record<string, Setting>,
  defaults: Record<string, unknown>,
): SettingFlag<S>[] {
  return Object.entries(settings)
    .filter(([, s]) => s.flag !== undefined)
    .map(([key, s]): SettingFlag<S> => ({
      attr: attrOf(s.flag!),
      flags: s.flag!,
      section,
      key,
      help: `${s.help} (default: ${String(defaults[key])})`,
      ...(s.choices ? { choices: s.choices } : { parse: numberParser(s.check) }),
    }));
}

/** The policy network's settings (a policy's shape: not for commands that load one). */
export const POLICY_FLAGS: readonly SettingFlag[] = flagsOf('policy', POLICY_SETTINGS, {
  ...DEFAULT_RUN.policy,
});
export const PPO_FLAGS: readonly SettingFlag[] = flagsOf('ppo', PPO_SETTINGS, { ...DEFAULT_RUN.ppo });
/** The outer loop's flags; a preset's meta-batch default is described by `metaBatchDefault`. */
export function metaFlags(metaBatchDefault?: string): SettingFlag[] {
  return flagsOf('meta', META_SETTINGS, {
    ...DEFAULT_RUN.meta,
    ...(metaBatchDefault ? { metaBatch: metaBatchDefault } : {}),
  });
}
const TOP_FLAGS = flagsOf('run', RUN_SETTINGS, { ...DEFAULT_RUN });
const flagOf = (key: string): SettingFlag => TOP_FLAGS.find((f) => f.key === key)!;
const SEED_FLAG = flagOf('seed');
const EVAL_EVERY_FLAG = flagOf('evalEvery');
const ITERATIONS_FLAG = flagOf('iterations');

/**
 * The flag that sets a run setting ("ppo.learningRate" → "--lr", "seed" → "--seed"); a setting without
 * a flag is named by its path in a --config file.
 */
export function flagOfSetting(path: string): string {
  const [first, second] = path.split('.');
  const all = [...TOP_FLAGS, ...POLICY_FLAGS, ...PPO_FLAGS, ...metaFlags()];
  const found =
    second === undefined
      ? all.find((f) => f.section === 'run' && f.key === first)
      : all.find((f) => f.section === first && f.key === second);
  if (found) return found.flags.split(' ')[0];
  if (path === 'policy.layerNorm') return '--layer-norm';
  return `${path} (--config)`;
}

/** The flags of a set of declared settings outside the run configuration (the service's own). */
export function declaredFlags(settings: Record<string, Setting>, defaults: Record<string, unknown>) {
  return flagsOf('other', settings, defaults);
}

/** The values of the given flags that were given, by setting key. */
export function declaredValues(
  opts: Record<string, unknown>,
  flags: readonly SettingFlag<string>[],
): Record<string, unknown> {
  return Object.fromEntries(
    flags.filter((f) => opts[f.attr] !== undefined).map((f) => [f.key, opts[f.attr]]),
  );
}

export function addSettingFlags(cmd: Command, flags: readonly SettingFlag<string>[]): Command {
  for (const f of flags) {
    const option = new Option(f.flags, f.help);
    if (f.choices) option.choices(f.choices);
    if (f.parse) option.argParser(f.parse);
    cmd.addOption(option);
  }
  if (flags.some((f) => f.section === 'policy' && f.key === 'hidden')) {
    cmd.option('--layer-norm', POLICY_SETTINGS.layerNorm.help);
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
  { iterations = true, policy = true, system = true, meta = undefined as string | undefined } = {},
): Command {
  cmd.option('--config <file>', 'a JSON run configuration (see docs/training.md); flags override it');
  addSettingFlags(cmd, runFlags({ iterations, policy, meta }));
  // Commands whose tasks fix the system (meta-train's presets) do not show the system options.
  if (system) addSystemOptions(cmd);
  return cmd;
}

/** `meta`: the commands with an outer loop show its flags; the value describes the meta-batch's default. */
function runFlags({
  iterations = true,
  policy = true,
  meta = undefined as string | undefined,
}): SettingFlag[] {
  return [
    ...(iterations ? [ITERATIONS_FLAG, EVAL_EVERY_FLAG] : []),
    SEED_FLAG,
    ...(policy ? POLICY_FLAGS : []),
    ...PPO_FLAGS,
    ...(meta !== undefined ? metaFlags(meta || undefined) : []),
  ];
}

/** Every flag of a learning command with an outer loop (iterations, seed, policy, PPO, meta). */
export function learningFlags(): SettingFlag[] {
  return runFlags({ meta: '' });
}

/** The configuration: `base`, then --config FILE, then flags. */
export function runConfigFromOptions(
  opts: RunCliOptions,
  base: RunConfig = DEFAULT_RUN,
  { iterations = true, policy = true, meta = undefined as string | undefined } = {},
): RunConfig {
  const config = opts.config ? loadRunConfig(opts.config, base) : base;
  return mergeRunConfig(config, settingsPatch(opts, runFlags({ iterations, policy, meta })), 'command line');
}

/** `--data DIR[,DIR…]` with the command's system options: one learning task per folder. */
export function taskSpecsFromOptions(
  opts: RunCliOptions,
  defaults: Parameters<typeof systemFromOptions>[1] = {},
): TaskSpec[] {
  if (!opts.data) throw new UsageError('--data is required: one or more dataset folders, comma-separated');
  const { system, model } = systemFromOptions(opts, defaults);
  return opts.data
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map((dir) => ({
      dataset: readDatasetArg(dir),
      system,
      profile: model.profile,
      ...(model.rankWeight ? { rankWeight: model.rankWeight } : {}),
    }));
}

/** The defaults of the system flags: a profile, a rank weight and a system. */
export type SystemDefaults = NonNullable<Parameters<typeof systemFromOptions>[1]>;

/**
 * The system a --config file describes when it is a run folder's config.json whose datasets share one:
 * the defaults of the system flags, as in the run it comes from (the data itself comes from --data).
 */
export function systemDefaultsOfConfig(path: string | undefined): SystemDefaults | undefined {
  if (!path) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // loadRunConfig names the problem
  }
  if (!isObject(doc) || !Array.isArray(doc.datasets) || doc.datasets.length === 0) return undefined;
  const described = doc.datasets.map((d: unknown, k) => {
    const at = `datasets[${k}]`;
    if (!isObject(d)) throw InputError.inFile(path, `${at} must be an object`);
    if (!isSimProfile(d.profile)) throw InputError.inFile(path, `${at}.profile must be paper or reference`);
    const system = recordedSystem(d.system);
    if (!system) throw InputError.inFile(path, `${at}.system is not a valid system`);
    if (d.rankWeight !== undefined && !(RANK_WEIGHTS as readonly unknown[]).includes(d.rankWeight))
      throw InputError.inFile(path, `${at}.rankWeight must be one of ${RANK_WEIGHTS.join(', ')}`);
    return {
      profile: d.profile,
      system,
      ...(d.rankWeight !== undefined ? { rankWeight: d.rankWeight as RankWeight } : {}),
    };
  });
  const first = JSON.stringify(described[0]);
  return described.every((d) => JSON.stringify(d) === first) ? described[0] : undefined;
}
