/**
 * The JSON the status page of `mrlco serve` reads (GET /api/status), and the source the HTTP server asks
 * for it. Plain data only: the service fills it from its state, the page draws it.
 */

export interface DeviceStatus {
  name: string;
  /** Seen within the online window. */
  online: boolean;
  revoked: boolean;
  /** ISO time. */
  lastSeen: string | null;
  /** Rounds it was picked for. */
  selections: number;
  /** Updates accepted. */
  accepted: number;
  /** Missed, late or rejected. */
  failures: number;
  lastRound: number | null;
  lastOutcome: 'accepted' | 'rejected' | 'late' | 'missed' | null;
  /** Refusal reason. */
  lastReason: string | null;
  lastSampledMakespanMs: number | null;
  lastSamples: number | null;
}

export interface RoundSummary {
  round: number;
  selected: number;
  accepted: number;
  rejected: number;
  missed: number;
  closedBy: 'quorum' | 'deadline' | 'all';
  wallS: number;
  bytesIn: number;
  bytesOut: number;
  innerSampledMakespanMs: number | null;
  /** Meta policy θ, argmax, mean over the held-out tasks' DAGs. */
  testMakespanMs: number | null;
  trainMakespanMs: number | null;
}

export interface FederationStatus {
  service: { startedAt: string; listen: string; seed: number; modelVersion: number };
  round: {
    number: number;
    state: 'waiting' | 'open' | 'finished';
    opensWhen?: string;
    deadline: string | null;
    selected: string[];
    reported: string[];
  };
  totalRounds: number;
  devices: DeviceStatus[];
  history: RoundSummary[];
  /** On the held-out tasks, drawn as horizontal lines. */
  references: { heftMs: number; greedyMs: number; optimalMs?: number } | null;
}

export interface StatusSource {
  status(): FederationStatus;
  /** SVG Gantt chart of one held-out DAG under the current meta policy's plan, or undefined when there is none. */
  ganttSvg(): string | undefined;
}
