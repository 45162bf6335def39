/** Option parsers and the system-model options shared by several commands. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_SYSTEM, type SystemParams } from '../mec/system.js';
import { RANK_WEIGHTS, type RankWeight } from '../mec/rank.js';
import { SIM_PROFILES, type SimProfile } from '../mec/simulator.js';
import type { ModelOptions } from '../mec/problem.js';
import { UsageError } from '../util/errors.js';
import { OPTIMAL_DEFAULT_TIME_LIMIT_S } from '../schedulers/optimal.js';
import { MAX_SEED, MAX_TIME_LIMIT_S, MAX_USERS } from '../util/limits.js';

export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number.');
  return n;
}

export function parsePositive(value: string): number {
  const n = parseNumber(value);
  if (n <= 0) throw new InvalidArgumentError('expected a positive number.');
  return n;
}

export function parseNonNegative(value: string): number {
  const n = parseNumber(value);
  if (n < 0) throw new InvalidArgumentError('expected a non-negative number.');
  return n;
}

export function parseUnit(value: string): number {
  const n = parseNumber(value);
  if (n < 0 || n > 1) throw new InvalidArgumentError('expected a number from 0 to 1.');
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = parseNumber(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer.');
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = parseNumber(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** An integer from `lo` to `hi`: a count with its declared bound (util/limits.ts). */
export function parseIntIn(lo: number, hi: number): (value: string) => number {
  return (value) => {
    const n = parseNumber(value);
    if (!Number.isInteger(n) || n < lo || n > hi)
      throw new InvalidArgumentError(`expected an integer from ${lo} to ${hi}.`);
    return n;
  };
}

/** A number from `lo` to `hi` (seconds, rates with a declared bound). */
export function parseNumberIn(lo: number, hi: number): (value: string) => number {
  return (value) => {
    const n = parseNumber(value);
    if (n < lo || n > hi) throw new InvalidArgumentError(`expected a number from ${lo} to ${hi}.`);
    return n;
  };
}

/** Every --seed: 0 to 2^32 − 1 (util/limits.ts). */
export const parseSeed = parseIntIn(0, MAX_SEED);

/** A time limit per DAG in seconds: positive, at most a day (0 allowed where it means "skip"). */
export const parseTimeLimit = (value: string): number => {
  const n = parseNumberIn(0, MAX_TIME_LIMIT_S)(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive number.');
  return n;
};

export interface SystemCliOptions {
  profile?: SimProfile;
  rankWeight?: RankWeight;
  rate?: number;
  rateUp?: number;
  rateDown?: number;
  /** Undefined when not given: the default is the system's (DEFAULT_SYSTEM, or a checkpoint's). */
  ueGhz?: number;
  serverGhz?: number;
  users?: number;
}

/** Adds the options that describe the MEC system and the latency model. */
export function addSystemOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--profile <profile>',
        'latency model: Eqs. 5-7 as printed, or the reference experiments (default: paper; with a policy, the one it was trained on)',
      ).choices(SIM_PROFILES),
    )
    .addOption(
      new Option(
        '--rank-weight <weight>',
        'task weight in the rank of Eq. 10 (default: offload for paper, min for reference)',
      ).choices(RANK_WEIGHTS),
    )
    .option(
      '--rate <mbps>',
      `uplink and downlink rate, Mbit/s (default: ${DEFAULT_SYSTEM.uplinkBps / 1e6}; with a policy, the one it was trained at)`,
      parsePositive,
    )
    .option('--rate-up <mbps>', 'uplink rate R_ul, Mbit/s', parsePositive)
    .option('--rate-down <mbps>', 'downlink rate R_dl, Mbit/s', parsePositive)
    .option('--ue-ghz <ghz>', `device CPU f_UE, GHz (default: ${DEFAULT_SYSTEM.ueHz / 1e9})`, parsePositive)
    .addOption(serverGhzOption(false))
    .addOption(usersOption('users sharing the server: f_vm = f_s / k', false));
}

/** The edge server's capacity f_s, shared by the system options and the executor. */
export function serverGhzOption(withDefault = true): Option {
  const o = new Option(
    '--server-ghz <ghz>',
    `edge server capacity f_s (cores x clock), GHz${withDefault ? '' : ` (default: ${DEFAULT_SYSTEM.serverHz / 1e9})`}`,
  ).argParser(parsePositive);
  return withDefault ? o.default(DEFAULT_SYSTEM.serverHz / 1e9) : o;
}

/** k, the users sharing the edge server (each with a VM of f_s / k). */
export function usersOption(description: string, withDefault = true): Option {
  const o = new Option(
    '--users <k>',
    withDefault ? description : `${description} (default: ${DEFAULT_SYSTEM.users})`,
  ).argParser(parseIntIn(1, MAX_USERS));
  return withDefault ? o.default(DEFAULT_SYSTEM.users) : o;
}

export function systemFromOptions(
  opts: SystemCliOptions,
  defaults: { profile?: SimProfile; rankWeight?: RankWeight; system?: SystemParams } = {},
): { system: SystemParams; model: ModelOptions } {
  if (opts.rate !== undefined && (opts.rateUp !== undefined || opts.rateDown !== undefined)) {
    throw new UsageError('give either --rate or --rate-up/--rate-down, not both');
  }
  // Each value not given is the base system's: the defaults, or the system a policy was trained in.
  const base = defaults.system ?? DEFAULT_SYSTEM;
  const system: SystemParams = {
    ueHz: opts.ueGhz !== undefined ? opts.ueGhz * 1e9 : base.ueHz,
    serverHz: opts.serverGhz !== undefined ? opts.serverGhz * 1e9 : base.serverHz,
    users: opts.users ?? base.users,
    uplinkBps: (opts.rateUp ?? opts.rate ?? base.uplinkBps / 1e6) * 1e6,
    downlinkBps: (opts.rateDown ?? opts.rate ?? base.downlinkBps / 1e6) * 1e6,
  };
  const model: ModelOptions = {
    profile: opts.profile ?? defaults.profile ?? 'paper',
    ...((opts.rankWeight ?? defaults.rankWeight)
      ? { rankWeight: opts.rankWeight ?? defaults.rankWeight }
      : {}),
  };
  return { system, model };
}

/** --time-limit: Optimal's time per DAG wherever it is offered (seconds). */
export function addTimeLimitOption(cmd: Command): Command {
  return cmd.option(
    '--time-limit <seconds>',
    'optimal: stop proving after this long per DAG and keep the best plan found, not proven',
    parseTimeLimit,
    OPTIMAL_DEFAULT_TIME_LIMIT_S,
  );
}
