/**
 * Running estimates of the links and the server from an episode's measurements (world/online.ts's
 * log): what an online decider believes. Per direction, the time per byte of a transfer once its bytes
 * flow (its duration less its set-up time, over its bytes) and the set-up time; for the server, the time
 * per nominal cycle. Before any measurement, the nominal system's values (no set-up time).
 *
 *   nominal: never updates (the paper's belief);
 *   last:    the last finished transfer's values;
 *   ewma:    an exponential average (weight `alpha` on the newest) of the times per byte, which are
 *            what a duration is proportional to (averaging rates would be optimistic);
 *   live:    ewma, and a transfer still running is a measurement too: when it has delivered its bytes
 *            more slowly so far than the estimate says (an outage), its time per byte so far is used.
 * A pessimism factor ρ ≥ 1 multiplies the time per byte that a prediction uses.
 */
import type { SystemParams } from '../mec/system.js';
import { vmHz } from '../mec/system.js';
import { DOWNLINK, SERVER, UPLINK, type MeasurementLog, type OnlineView } from './online.js';

export type EstimatorKind = 'nominal' | 'last' | 'ewma' | 'live';
export const ESTIMATOR_KINDS: readonly EstimatorKind[] = ['nominal', 'last', 'ewma', 'live'];

export interface EstimatorSpec {
  kind: EstimatorKind;
  /** ewma: the weight of the newest measurement. */
  alpha: number;
  /** ρ ≥ 1: predictions use ρ × the estimated time per byte. */
  pessimism: number;
}

/** The bytes a running transfer is credited with at least when judging its rate so far (one packet). */
const RUNNING_MIN_BYTES = 1500;

export const DEFAULT_ESTIMATOR: EstimatorSpec = { kind: 'ewma', alpha: 0.3, pessimism: 1 };

/** One quantity's running estimate and spread (an exponential variance for ewma, 0 otherwise). */
class Running {
  value = 0;
  variance = 0;
  count = 0;

  reset(prior: number): void {
    this.value = prior;
    this.variance = 0;
    this.count = 0;
  }

  add(x: number, spec: EstimatorSpec): void {
    this.count++;
    if (spec.kind === 'nominal') return;
    if (spec.kind === 'last' || this.count === 1) {
      this.variance = this.count === 1 ? 0 : (x - this.value) ** 2;
      this.value = x;
      return;
    }
    const d = x - this.value;
    this.value += spec.alpha * d;
    this.variance = (1 - spec.alpha) * (this.variance + spec.alpha * d * d);
  }
}

export class LinkEstimator {
  private readonly upPerByte = new Running();
  private readonly downPerByte = new Running();
  private readonly upLatency = new Running();
  private readonly downLatency = new Running();
  private readonly mecPerCycle = new Running();
  /** Log entries consumed. */
  private seen = 0;
  /** live: the running transfers' time per byte so far, when slower than the estimate (else 0). */
  private runningUp = 0;
  private runningDown = 0;

  constructor(
    readonly spec: EstimatorSpec,
    private readonly nominal: SystemParams,
  ) {
    this.reset();
  }

  reset(): void {
    this.upPerByte.reset(8e3 / this.nominal.uplinkBps);
    this.downPerByte.reset(8e3 / this.nominal.downlinkBps);
    this.upLatency.reset(0);
    this.downLatency.reset(0);
    this.mecPerCycle.reset(1e3 / vmHz(this.nominal));
    this.seen = 0;
    this.runningUp = this.runningDown = 0;
  }

  /** live: takes in the transfers running at the view's time (their bytes delivered so far). */
  observeRunning(view: OnlineView): void {
    this.runningUp = this.runningDown = 0;
    if (this.spec.kind !== 'live') return;
    const order = view.problem.order;
    for (let k = 0; k < view.position; k++) {
      if (view.actions[k] !== 1) continue;
      const i = order[k];
      this.runningUp = Math.max(this.runningUp, this.runningPerByte(view, i, 'uplink', this.upLatency.value));
      this.runningDown = Math.max(
        this.runningDown,
        this.runningPerByte(view, i, 'downlink', this.downLatency.value),
      );
    }
  }

  private runningPerByte(
    view: OnlineView,
    task: number,
    stage: 'uplink' | 'downlink',
    latency: number,
  ): number {
    const started = view.started(task, stage);
    if (started !== started || view.finished(task, stage) === view.finished(task, stage)) return 0;
    const elapsed = view.now - started - latency;
    if (elapsed <= 0) return 0;
    // At least one packet's worth, so that a transfer that has just begun is not taken as an outage.
    return elapsed / Math.max(view.delivered(task, stage), RUNNING_MIN_BYTES);
  }

  /** Takes in the log's entries not seen yet (in the order they finished). */
  update(log: MeasurementLog): void {
    for (; this.seen < log.count; this.seen++) {
      const k = this.seen;
      const kind = log.kind[k];
      const work = log.work[k];
      if (work <= 0) continue;
      const flowing = log.end[k] - log.start[k] - log.latency[k];
      if (kind === SERVER) {
        this.mecPerCycle.add((log.end[k] - log.start[k]) / work, this.spec);
        continue;
      }
      const perByte = flowing > 0 ? flowing / work : 0;
      if (kind === UPLINK) {
        this.upPerByte.add(perByte, this.spec);
        this.upLatency.add(log.latency[k], this.spec);
      } else if (kind === DOWNLINK) {
        this.downPerByte.add(perByte, this.spec);
        this.downLatency.add(log.latency[k], this.spec);
      }
    }
  }

  /** ms per byte (pessimism applied) of the uplink and downlink, ms per nominal cycle of the VM. */
  get uplinkMsPerByte(): number {
    return Math.max(this.upPerByte.value, this.runningUp) * this.spec.pessimism;
  }
  get downlinkMsPerByte(): number {
    return Math.max(this.downPerByte.value, this.runningDown) * this.spec.pessimism;
  }
  get uplinkLatencyMs(): number {
    return this.upLatency.value;
  }
  get downlinkLatencyMs(): number {
    return this.downLatency.value;
  }
  get mecMsPerCycle(): number {
    return this.mecPerCycle.value;
  }
  /** Relative spread (std / mean) of the per-byte times, per direction. */
  get uplinkSpread(): number {
    return this.upPerByte.value > 0 ? Math.sqrt(this.upPerByte.variance) / this.upPerByte.value : 0;
  }
  get downlinkSpread(): number {
    return this.downPerByte.value > 0 ? Math.sqrt(this.downPerByte.variance) / this.downPerByte.value : 0;
  }
  get measurements(): { uplink: number; downlink: number; server: number } {
    return { uplink: this.upPerByte.count, downlink: this.downPerByte.count, server: this.mecPerCycle.count };
  }
}
