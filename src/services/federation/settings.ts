/**
 * The service's own settings (the training settings are the run configuration of rl/config.ts):
 * who takes part in a round, when a round closes, and what an upload must satisfy to count.
 */
import { intIn, nonNegative, oneOf, positive, type Setting } from '../../rl/config.js';
import { InputError } from '../../util/errors.js';
import { AGGREGATIONS, type Aggregation } from './aggregate.js';

export const NORM_POLICIES = ['reject', 'clip'] as const;
export type NormPolicy = (typeof NORM_POLICIES)[number];
export const WEIGHTINGS = ['uniform', 'samples'] as const;
export type Weighting = (typeof WEIGHTINGS)[number];

export interface FederationSettings {
  /** A round opens once this many devices are online. */
  minDevices: number;
  /** The round closes early once this fraction of its selected devices has been accepted (1 = all). */
  quorum: number;
  /** The round closes at this deadline whatever has arrived, s. */
  roundDeadlineS: number;
  /** A device counts as online this long after its last call, s. */
  onlineWindowS: number;
  /** Longest a NextTask long poll is held, s. */
  pollTimeoutS: number;
  /** Bound on ‖θ' − θ‖; 0 = automatic: 3·α·m·√P (Adam moves each parameter by about α per step). */
  maxUpdateNorm: number;
  /** What to do with an update beyond the bound. */
  normPolicy: NormPolicy;
  /** Eq. (22)'s mean: plain (the paper) or weighted by each device's sample count (FedAvg). */
  weighting: Weighting;
  /** How the θ'_i are combined: Eq. (22)'s mean, or a robust coordinate-wise median / trimmed mean. */
  aggregation: Aggregation;
  /** trimmed-mean: the fraction of values dropped at each end of every coordinate. */
  trimFraction: number;
  /** gRPC message size limit, bytes; 0 = automatic (the parameters plus 1 MiB). */
  maxMessageBytes: number;
}

/** Each service setting declared once: default, check, help and flag (serve's options derive from it). */
export const FEDERATION_SETTINGS: {
  [K in keyof FederationSettings]: Setting & { default: FederationSettings[K] };
} = {
  minDevices: {
    default: 1,
    check: intIn(1, 100_000),
    help: 'a round opens when this many devices are online',
    flag: '--min-devices <n>',
  },
  quorum: {
    default: 1,
    check: (v) => (typeof v === 'number' && v > 0 && v <= 1 ? undefined : 'a number in (0, 1]'),
    help: 'close a round once this fraction of its devices is accepted',
    flag: '--quorum <fraction>',
  },
  roundDeadlineS: { default: 600, check: positive, help: 'round deadline, seconds', flag: '--deadline <s>' },
  onlineWindowS: {
    default: 60,
    check: positive,
    help: 'a device is online this long after its last call, seconds',
    flag: '--online-window <s>',
  },
  pollTimeoutS: {
    default: 20,
    check: positive,
    help: 'longest long poll, seconds',
    flag: '--poll-timeout <s>',
  },
  maxUpdateNorm: {
    default: 0,
    check: nonNegative,
    help: "bound on ||θ' − θ||, 0 = automatic: 3·α·m·√P",
    flag: '--max-update-norm <x>',
  },
  normPolicy: {
    default: 'reject',
    check: oneOf(NORM_POLICIES),
    help: 'updates beyond the bound',
    flag: '--norm-policy <policy>',
    choices: NORM_POLICIES,
  },
  weighting: {
    default: 'uniform',
    check: oneOf(WEIGHTINGS),
    help: 'mean of Eq. (22): uniform (paper) or by sample count',
    flag: '--weighting <w>',
    choices: WEIGHTINGS,
  },
  aggregation: {
    default: 'mean',
    check: oneOf(AGGREGATIONS),
    help: "how the θ'_i are combined: mean (Eq. 22), or coordinate-wise median / trimmed-mean",
    flag: '--aggregation <rule>',
    choices: AGGREGATIONS,
  },
  trimFraction: {
    default: 0.1,
    check: (v) => (typeof v === 'number' && v >= 0 && v < 0.5 ? undefined : 'a number in [0, 0.5)'),
    help: 'trimmed-mean: fraction dropped at each end',
    flag: '--trim <fraction>',
  },
  maxMessageBytes: {
    default: 0,
    check: intIn(0, 2 ** 31 - 1),
    help: 'gRPC message size limit, bytes, 0 = automatic: the parameters + 1 MiB',
    flag: '--max-message-bytes <n>',
  },
};

export const DEFAULT_FEDERATION: FederationSettings = Object.fromEntries(
  Object.entries(FEDERATION_SETTINGS).map(([k, v]) => [k, v.default]),
) as unknown as FederationSettings;

/** Every value checked by its declaration; the first problem is one line naming `origin`. */
export function checkFederationSettings(s: FederationSettings, origin: string): FederationSettings {
  for (const [key, setting] of Object.entries(FEDERATION_SETTINGS) as [keyof FederationSettings, Setting][]) {
    const problem = setting.check(s[key]);
    if (problem) throw InputError.inFile(origin, `${key} must be ${problem}, got ${JSON.stringify(s[key])}`);
  }
  return s;
}

export function updateNormBound(
  s: FederationSettings,
  innerLr: number,
  innerSteps: number,
  paramCount: number,
): number {
  return s.maxUpdateNorm > 0 ? s.maxUpdateNorm : 3 * innerLr * innerSteps * Math.sqrt(paramCount);
}

export function messageLimit(s: FederationSettings, paramCount: number): number {
  return s.maxMessageBytes > 0 ? s.maxMessageBytes : paramCount * 4 + (1 << 20);
}
