/**
 * The options of every command that takes a world (docs/world.md): `--world NAME|FILE` and flags for
 * the common cases, applied over it. Each is declared once here, with its bound.
 */
import { Option, type Command } from 'commander';
import { MAX_WORLD_REALISATIONS } from '../util/rng-streams.js';
import { UsageError } from '../util/errors.js';
import {
  BUILTIN_WORLDS,
  loadWorldSpec,
  validateWorldSpec,
  WORLD_LIMITS,
  type WorldSpec,
} from '../world/spec.js';
import { TRACE_FORMATS, type TraceFormat } from '../world/trace.js';
import { boundedNumber, boundedInt } from './bounded.js';
import { parseIntIn, parseSeed } from './options.js';

export interface WorldCliOptions {
  world?: string;
  uplinkTrace?: string;
  downlinkTrace?: string;
  traceMean?: number;
  traceFormat?: TraceFormat;
  transferLatency?: number;
}

export const DEFAULT_EPISODES = 10;

export function addWorldOptions(cmd: Command): Command {
  cmd.option(
    '--world <name|file>',
    `the world a plan meets: a built-in (${Object.keys(BUILTIN_WORLDS).join(', ')}) or a JSON file (docs/world.md)`,
  );
  return addTraceOptions(cmd).option(
    '--transfer-latency <ms>',
    'a fixed set-up time per transfer, ms',
    boundedNumber(0, WORLD_LIMITS.latencyMs),
  );
}

/** The link traces to replay (every command that takes a world, and the executor). */
export function addTraceOptions(cmd: Command): Command {
  return cmd
    .option(
      '--uplink-trace <file>',
      "replay this trace on the uplink (Mahimahi's format or 'seconds Mbit/s')",
    )
    .option('--downlink-trace <file>', 'replay this trace on the downlink')
    .option(
      '--trace-mean <mbps>',
      'scale the traces by the factor that gives the uplink trace (or the only one) this mean',
      boundedNumber(0, WORLD_LIMITS.rateMbps, { exclusiveLow: true }),
    )
    .addOption(
      new Option('--trace-format <format>', "the traces' format (default: detected)").choices(TRACE_FORMATS),
    );
}

/** Which realisation of a world (evaluate, gantt): its stream, or a trace offset alone. */
export interface RealisationCliOptions {
  seed: number;
  dagIndex: number;
  realisation: number;
  offset?: number;
}

export function addRealisationOptions(cmd: Command): Command {
  return cmd
    .option('--seed <seed>', 'with a world: the seed of its realisations', parseSeed, 0)
    .option(
      '--dag-index <d>',
      "with a world: the DAG's index in its run (its realisations' stream)",
      parseIntIn(0, 1 << 18),
      0,
    )
    .option(
      '--realisation <r>',
      'with a world: which realisation',
      parseIntIn(0, MAX_WORLD_REALISATIONS - 1),
      0,
    )
    .option(
      '--offset <ms>',
      "with traces: replay them from this offset instead of the realisation's",
      parseIntIn(0, 1e9),
    );
}

/** `--episodes K`: realisations per DAG. */
export function addEpisodesOption(cmd: Command, fallback = DEFAULT_EPISODES): Command {
  return cmd.option(
    '--episodes <k>',
    `realisations of the world per DAG (the same for every decider; 1 to ${MAX_WORLD_REALISATIONS})`,
    boundedInt(1, MAX_WORLD_REALISATIONS),
    fallback,
  );
}

/** True when any world option was given. */
export function worldGiven(opts: WorldCliOptions): boolean {
  return (
    opts.world !== undefined ||
    opts.traceMean !== undefined ||
    opts.traceFormat !== undefined ||
    opts.uplinkTrace !== undefined ||
    opts.downlinkTrace !== undefined ||
    opts.transferLatency !== undefined
  );
}

/** The world: `--world` (default: static), with the flags applied over it. */
export function worldSpecFromOptions(opts: WorldCliOptions): WorldSpec {
  if (
    (opts.traceMean !== undefined || opts.traceFormat !== undefined) &&
    !opts.uplinkTrace &&
    !opts.downlinkTrace
  ) {
    const base = opts.world ? loadWorldSpec(opts.world) : {};
    if (base.links?.kind !== 'trace')
      throw new UsageError(
        '--trace-mean and --trace-format apply to traces: give --uplink-trace or --downlink-trace',
      );
  }
  const spec: WorldSpec = opts.world ? loadWorldSpec(opts.world) : {};
  if (opts.uplinkTrace || opts.downlinkTrace) {
    const previous = spec.links?.kind === 'trace' ? spec.links : undefined;
    spec.links = {
      kind: 'trace',
      ...(previous ?? {}),
      ...(opts.uplinkTrace ? { uplink: opts.uplinkTrace } : {}),
      ...(opts.downlinkTrace ? { downlink: opts.downlinkTrace } : {}),
    };
  }
  if (spec.links?.kind === 'trace') {
    if (opts.traceMean !== undefined) spec.links.meanMbps = opts.traceMean;
    if (opts.traceFormat !== undefined) spec.links.format = opts.traceFormat;
  }
  if (opts.transferLatency !== undefined)
    spec.transferLatency = { ...(spec.transferLatency ?? {}), ms: opts.transferLatency };
  // The flags are checked like a file's keys.
  return validateWorldSpec(spec, 'the world options');
}
