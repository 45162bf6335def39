/**
 * Resuming a run folder (train, meta-train). The stored specification (the checkpoint's settings and the
 * run's config.json: data, system, profile, rank weight, preset) is the default of every setting that
 * decides the run, and a flag that differs from it is refused, one line per setting naming both values,
 * whatever else is given. Only the iteration count may change, and not below the iterations done.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultRankWeight } from '../mec/problem.js';
import type { RankWeight } from '../mec/rank.js';
import type { SimProfile } from '../mec/simulator.js';
import type { SystemParams } from '../mec/system.js';
import { loadCheckpoint } from '../rl/checkpoint.js';
import type { RunConfig } from '../rl/config.js';
import { checkpointPathOf, readStoredConfig } from '../rl/run-folder.js';
import { InputError, UsageError } from '../util/errors.js';
import { differingLeaves, shortValue } from '../util/json-diff.js';
import { lockFolder } from '../util/folder-lock.js';
import { systemFromOptions, type SystemCliOptions } from './options.js';
import { flagOfSetting } from './run-options.js';

export interface StoredRun {
  dir: string;
  /** The checkpoint's settings. */
  run: RunConfig;
  /** Iterations the checkpoint has done. */
  done: number;
  /** The run's config.json (its settings and the description of its data), {} when there is none. */
  description: Record<string, unknown>;
}

/** The run in `out` to continue; a --resume without one is refused, saying so. */
export function storedRunOf(out: string | undefined): StoredRun {
  if (!out) throw new UsageError('--resume needs --out: the run folder to continue');
  const path = checkpointPathOf(out);
  if (!existsSync(path))
    throw new InputError(
      `nothing to resume in ${out} (no checkpoint.bin there); leave out --resume to start a run in it`,
    );
  // One writer per folder: a run still writing it is named before its settings are compared.
  lockFolder(out);
  const { state } = loadCheckpoint(path);
  return { dir: out, run: state.run, done: state.iteration, description: readStoredConfig(out) ?? {} };
}

/** One setting a resume was asked to change: the option that sets it, the run's value, the given one. */
export interface Change {
  option: string;
  stored: unknown;
  given: unknown;
  /** The whole clause, when "OPTION is X in this run, Y given" does not say it. */
  text?: string;
}

/** The settings (flags, --config) that differ from the run's; an iteration count below what is done. */
export function settingChanges(stored: StoredRun, given: RunConfig): Change[] {
  const changes = differingLeaves({ ...stored.run, iterations: 0 }, { ...given, iterations: 0 }).map(
    (c): Change => ({ option: flagOfSetting(c.path), stored: c.a, given: c.b }),
  );
  if (given.iterations < stored.done)
    changes.push({
      option: '--iterations',
      stored: stored.done,
      given: given.iterations,
      text: `--iterations ${given.iterations} is below the ${stored.done} iterations this run has done`,
    });
  return changes;
}

/** A dataset of a stored train run as its config.json describes it. */
export interface StoredDataset {
  dir: string;
  profile: SimProfile;
  system: SystemParams;
  rankWeight?: RankWeight;
}

/** The system options, each with its flag and its unit (the stored values are SI: bit/s, Hz). */
const SYSTEM_FLAGS: readonly {
  key: keyof SystemParams;
  flag: (o: SystemCliOptions) => string;
  unit: number;
}[] = [
  { key: 'uplinkBps', flag: (o) => (o.rate !== undefined ? '--rate' : '--rate-up'), unit: 1e6 },
  { key: 'downlinkBps', flag: (o) => (o.rate !== undefined ? '--rate' : '--rate-down'), unit: 1e6 },
  { key: 'ueHz', flag: () => '--ue-ghz', unit: 1e9 },
  { key: 'serverHz', flag: () => '--server-ghz', unit: 1e9 },
  { key: 'users', flag: () => '--users', unit: 1 },
];

/** The system and latency-model flags that differ from a stored dataset's. */
export function systemChanges(stored: StoredDataset, opts: SystemCliOptions): Change[] {
  const { system, model } = systemFromOptions(opts, {
    profile: stored.profile,
    ...(stored.rankWeight ? { rankWeight: stored.rankWeight } : {}),
    system: stored.system,
  });
  const changes: Change[] = [];
  if (model.profile !== stored.profile)
    changes.push({ option: '--profile', stored: stored.profile, given: model.profile });
  const storedWeight = stored.rankWeight ?? defaultRankWeight(stored.profile);
  if (opts.rankWeight !== undefined && opts.rankWeight !== storedWeight)
    changes.push({ option: '--rank-weight', stored: storedWeight, given: opts.rankWeight });
  for (const f of SYSTEM_FLAGS)
    if (system[f.key] !== stored.system[f.key])
      changes.push({
        option: f.flag(opts),
        stored: stored.system[f.key] / f.unit,
        given: system[f.key] / f.unit,
      });
  return changes;
}

/** --data given on a resume: the same folders as the run's, or a change. */
export function dataChanges(stored: readonly StoredDataset[], data: string | undefined): Change[] {
  if (data === undefined) return [];
  const given = data
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  const same = given.length === stored.length && given.every((d, k) => resolve(d) === resolve(stored[k].dir));
  return same ? [] : [{ option: '--data', stored: stored.map((d) => d.dir).join(','), given: data }];
}

/**
 * The recorded keys of a run's description (config.json) that differ from the given ones, each named by
 * its option; a key the file does not record (written by an older version) is not compared.
 */
export function recordedChanges(
  recorded: Record<string, unknown>,
  given: Record<string, unknown>,
  options: Record<string, string>,
): Change[] {
  return Object.entries(options)
    .filter(([key]) => key in recorded && !sameValue(recorded[key], given[key]))
    .map(([key, option]) => ({ option, stored: recorded[key], given: given[key] }));
}

/** Equal values; paths are compared resolved (a run started as ./data and resumed as data). */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b || resolve(a) === resolve(b);
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The preset a meta-training run records (its config.json). */
export function recordedPreset<P extends string>(
  recorded: Record<string, unknown>,
  dir: string,
  known: readonly P[],
): P {
  const p = recorded.preset;
  if (typeof p !== 'string' || !(known as readonly string[]).includes(p))
    throw InputError.inFile(join(dir, 'config.json'), 'records no preset: give --preset');
  return p as P;
}

/** Refuses a resume with changes: one line per differing setting, with the run's value and the given one. */
export function refuseChanges(dir: string, changes: readonly Change[]): void {
  const lines = [
    ...new Set(
      changes.map(
        (c) =>
          `${dir}: resume refused: ${c.text ?? `${c.option} is ${shortValue(c.stored)} in this run, ${shortValue(c.given)} given`}`,
      ),
    ),
  ];
  if (lines.length > 0) throw new InputError(lines.join('\n'));
}
