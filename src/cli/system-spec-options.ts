/**
 * The options that choose the system of several places and the objective (docs/system.md):
 * `--system NAME|FILE|JSON`, `--objective`, `--lambda-t`, `--lambda-e`, each declared once here.
 * Without `--system`, the system is the paper's one-server system of the usual flags (--rate, …).
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../util/errors.js';
import { OBJECTIVE_KINDS, objectiveOf, type Objective, type ObjectiveKind } from '../mec/places/objective.js';
import {
  BUILTIN_SYSTEMS,
  loadSystemSpec,
  systemSpecFromParams,
  type SystemSpec,
} from '../mec/places/system-spec.js';
import type { SystemParams } from '../mec/system.js';
import type { PlacementOptions } from '../mec/places/problem.js';
import { parseNumberIn, type SystemCliOptions } from './options.js';

export interface PlacementCliOptions {
  system?: string;
  objective?: ObjectiveKind;
  lambdaT?: number;
  lambdaE?: number;
}

export function addPlacementOptions(cmd: Command): Command {
  return cmd
    .option(
      '--system <name|file>',
      `the system of places: a built-in (${Object.keys(BUILTIN_SYSTEMS).join(', ')}), a JSON file or the JSON itself (docs/system.md)`,
    )
    .addOption(
      new Option(
        '--objective <objective>',
        "what a plan is judged by (default: the system's, else latency): makespan, device energy, or DRLTO's weighted QoE",
      ).choices(OBJECTIVE_KINDS),
    )
    .option('--lambda-t <weight>', `qoe: the weight λ_t of latency (default 0.5)`, parseNumberIn(0, 1000))
    .option('--lambda-e <weight>', `qoe: the weight λ_e of energy (default 0.5)`, parseNumberIn(0, 1000));
}

/** True when a command should run on a system of places rather than the paper's two-place model. */
export function placementGiven(opts: PlacementCliOptions): boolean {
  return (
    opts.system !== undefined ||
    opts.objective !== undefined ||
    opts.lambdaT !== undefined ||
    opts.lambdaE !== undefined
  );
}

const PAPER_SYSTEM_FLAGS: [keyof SystemCliOptions, string][] = [
  ['rate', '--rate'],
  ['rateUp', '--rate-up'],
  ['rateDown', '--rate-down'],
  ['ueGhz', '--ue-ghz'],
  ['serverGhz', '--server-ghz'],
  ['users', '--users'],
];

/**
 * The system and the objective: `--system`'s, or the one-server system of `paper` (the usual flags'
 * system) and the objective asked for, the system's own, or latency.
 */
export function placementFromOptions(
  opts: PlacementCliOptions & SystemCliOptions,
  paperSystem: SystemParams,
): { spec: SystemSpec; objective: Objective; model: PlacementOptions } {
  let spec: SystemSpec;
  if (opts.system !== undefined) {
    const clash = PAPER_SYSTEM_FLAGS.filter(([k]) => opts[k] !== undefined).map(([, f]) => f);
    if (clash.length > 0)
      throw new UsageError(
        `${clash.join(', ')} describe${clash.length === 1 ? 's' : ''} the paper's one-server system; with --system, put the rates and speeds in the system (docs/system.md)`,
      );
    spec = loadSystemSpec(opts.system);
  } else spec = { name: 'paper (from the flags)', ...systemSpecFromParams(paperSystem) };
  const own = spec.objective;
  const kind = opts.objective ?? own?.kind ?? 'latency';
  const sameAsOwn = own !== undefined && own.kind === kind;
  const lambdaT = opts.lambdaT ?? (sameAsOwn ? own.lambdaT : undefined);
  const lambdaE = opts.lambdaE ?? (sameAsOwn ? own.lambdaE : undefined);
  if (kind !== 'qoe' && (opts.lambdaT !== undefined || opts.lambdaE !== undefined))
    throw new UsageError(`--lambda-t and --lambda-e weigh the qoe objective; add --objective qoe`);
  const objective = kind === 'qoe' ? objectiveOf(kind, lambdaT, lambdaE) : objectiveOf(kind);
  // The problem's model: the profile and rank order of the usual flags, and the objective.
  const model: PlacementOptions = {
    profile: opts.profile ?? 'paper',
    objective,
    ...(opts.rankWeight ? { rankWeight: opts.rankWeight } : {}),
  };
  return { spec, objective, model };
}

/** The one line every command gives for --world beside --system (`worldFlags`: what it takes instead). */
export function worldOverPlacesRefused(worldFlags: string): UsageError {
  return new UsageError(
    `a world over a system of several places is not built yet: give either ${worldFlags} or --system/--objective`,
  );
}
