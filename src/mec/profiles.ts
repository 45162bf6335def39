/**
 * The simulator profiles' rules, one object per profile, so that the latency model, the Optimal
 * bound, the problem's rank order and the real execution (device runner, edge session) read the same
 * rule instead of comparing profile names each:
 *  - `paper`: Eqs. (5)-(7) as printed;
 *  - `reference`: the semantics of the paper's public experiments (which reproduce its Table 3).
 */
import type { RankWeight } from './rank.js';

export type SimProfile = 'paper' | 'reference';
export const SIM_PROFILES: readonly SimProfile[] = ['paper', 'reference'];

export interface ProfileRules {
  readonly name: SimProfile;
  /**
   * What an upload waits for from an offloaded parent: its upload finish FT^ul (true) or its result's
   * download FT^dl (false). (From a local parent it is always its FT^UE.)
   */
  readonly uploadWaitsForParentUpload: boolean;
  /** The downlink is one queued resource M^dl: a result waits for the results before it. */
  readonly queuedDownlink: boolean;
  /** The weight of the upward rank (Eq. 10) that orders the tasks by default. */
  readonly rankWeight: RankWeight;
}

export const PROFILE_RULES: Record<SimProfile, ProfileRules> = {
  paper: { name: 'paper', uploadWaitsForParentUpload: false, queuedDownlink: true, rankWeight: 'offload' },
  reference: {
    name: 'reference',
    uploadWaitsForParentUpload: true,
    queuedDownlink: false,
    rankWeight: 'min',
  },
};

export function isSimProfile(value: unknown): value is SimProfile {
  return typeof value === 'string' && (SIM_PROFILES as readonly string[]).includes(value);
}
