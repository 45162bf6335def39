/**
 * The service's own settings (the training settings are the run configuration of rl/config.ts):
 * who takes part in a round, when a round closes, and what an upload must satisfy to count.
 */
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

export const DEFAULT_FEDERATION: FederationSettings = {
  minDevices: 1,
  quorum: 1,
  roundDeadlineS: 600,
  onlineWindowS: 60,
  pollTimeoutS: 20,
  maxUpdateNorm: 0,
  normPolicy: 'reject',
  weighting: 'uniform',
  aggregation: 'mean',
  trimFraction: 0.1,
  maxMessageBytes: 0,
};

export function checkFederationSettings(s: FederationSettings, origin: string): FederationSettings {
  const bad = (what: string): never => {
    throw InputError.inFile(origin, what);
  };
  if (!Number.isInteger(s.minDevices) || s.minDevices < 1) bad('minDevices must be a positive integer');
  if (!(s.quorum > 0 && s.quorum <= 1)) bad('quorum must be in (0, 1]');
  for (const k of ['roundDeadlineS', 'onlineWindowS', 'pollTimeoutS'] as const)
    if (!(Number.isFinite(s[k]) && s[k] > 0)) bad(`${k} must be a positive number`);
  if (!(Number.isFinite(s.maxUpdateNorm) && s.maxUpdateNorm >= 0)) bad('maxUpdateNorm must be >= 0');
  if (!NORM_POLICIES.includes(s.normPolicy)) bad(`normPolicy must be one of ${NORM_POLICIES.join(', ')}`);
  if (!WEIGHTINGS.includes(s.weighting)) bad(`weighting must be one of ${WEIGHTINGS.join(', ')}`);
  if (!AGGREGATIONS.includes(s.aggregation)) bad(`aggregation must be one of ${AGGREGATIONS.join(', ')}`);
  if (!(s.trimFraction >= 0 && s.trimFraction < 0.5)) bad('trimFraction must be in [0, 0.5)');
  if (!(Number.isInteger(s.maxMessageBytes) && s.maxMessageBytes >= 0))
    bad('maxMessageBytes must be a non-negative integer');
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
