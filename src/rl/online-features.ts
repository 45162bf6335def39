/**
 * The online observation (docs/world.md, "What a decider sees"): per decision, a declared vector of
 * features computed only from the view at the decision time. Its first nine entries are laid out as
 * the static latency model's step features (policy/step-features.ts), computed on the belief, so that a
 * policy's lookahead prior reads C_1 − C_0 at the same index; then the measurement history. Times are
 * scaled by the DAG's time scale (1 / mean T^UE), rates as log ratios to the nominal rate.
 */
import { OFFLOAD } from '../mec/simulator.js';
import { StepFeatureWriter, type Lookahead } from '../policy/step-features.js';
import type { Belief } from '../world/belief.js';
import type { LinkEstimator } from '../world/estimators.js';
import { DOWNLINK, UPLINK, type OnlineView } from '../world/online.js';

/** The features, in order, with what each one is. */
export const ONLINE_FEATURES: readonly (readonly [string, string])[] = [
  ['localFinish', "belief: the task's finish if run on the UE, − M (M: the belief's makespan so far)"],
  ['offloadFinish', "belief: the task's finish if offloaded, − M"],
  ['ueFree', 'belief: when the UE CPU is free, − M'],
  ['ulFree', 'belief: when the uplink is free, − M'],
  ['mecFree', 'belief: when the VM is free, − M'],
  ['dlFree', 'belief: when the downlink is free, − M'],
  ['lookaheadLocal', "C_0 − M: the belief's makespan if the task runs locally and the rest by HEFT's rule"],
  ['lookaheadOffload', 'C_1 − M: the same if the task is offloaded'],
  ['lookaheadDifference', 'C_1 − C_0'],
  ['now', 'the decision time − M'],
  ['uplinkRate', 'log(estimated uplink rate / nominal)'],
  ['downlinkRate', 'log(estimated downlink rate / nominal)'],
  ['uplinkSpread', "the uplink estimate's relative spread"],
  ['downlinkSpread', "the downlink estimate's relative spread"],
  ['uplinkLatency', 'the estimated set-up time of an upload'],
  ['downlinkLatency', 'the estimated set-up time of a download'],
  ['uplinkRecent1', 'log(throughput / nominal) of the last finished upload (0: none)'],
  ['uplinkRecent2', '… of the one before'],
  ['uplinkRecent3', '… of the one before that'],
  ['downlinkRecent1', 'log(throughput / nominal) of the last finished download (0: none)'],
  ['downlinkRecent2', '… of the one before'],
  ['downlinkRecent3', '… of the one before that'],
  ['predictionError', 'mean log(actual / predicted duration) of the last four finished transfers'],
  ['measurements', 'log(1 + finished transfers)'],
  ['sinceMeasurement', 'the decision time − the end of the last finished transfer'],
];

export const ONLINE_FEATURE_COUNT = ONLINE_FEATURES.length;
const RECENT = 3;
const ERRORS = 4;

/** Writes the online features of one episode's decisions; keeps the episode's predictions to score them. */
export class OnlineFeatureWriter {
  private readonly state: StepFeatureWriter;
  /** Per task: the predicted upload and download durations when it was offloaded (0: none). */
  private predictedUl: Float64Array;
  private predictedDl: Float64Array;
  private readonly errors = new Float64Array(ERRORS);
  private errorCount = 0;
  /** Log entries already scored. */
  private scored = 0;

  constructor(
    readonly lookahead: Lookahead,
    tasks: number,
  ) {
    if (lookahead === 'none') throw new RangeError('the online features include a lookahead');
    this.state = new StepFeatureWriter(lookahead);
    this.predictedUl = new Float64Array(tasks);
    this.predictedDl = new Float64Array(tasks);
  }

  reset(tasks: number): void {
    if (this.predictedUl.length < tasks) {
      this.predictedUl = new Float64Array(tasks);
      this.predictedDl = new Float64Array(tasks);
    }
    this.predictedUl.fill(0);
    this.predictedDl.fill(0);
    this.errorCount = 0;
    this.scored = 0;
  }

  /**
   * The features of the view's decision, written to out[at..at + ONLINE_FEATURE_COUNT). `belief` has
   * observed the view with the estimator's values; it is left as it was.
   */
  write(
    view: OnlineView,
    belief: Belief,
    estimator: LinkEstimator,
    nominalUpMsPerByte: number,
    nominalDownMsPerByte: number,
    scale: number,
    out: Float32Array,
    at: number,
  ): void {
    const sim = belief.sim;
    this.state.write(sim, view.problem.order, view.position, scale, out, at);
    const M = sim.makespan;
    out[at + 9] = (view.now - M) * scale;
    out[at + 10] = Math.log(nominalUpMsPerByte / estimator.uplinkMsPerByte);
    out[at + 11] = Math.log(nominalDownMsPerByte / estimator.downlinkMsPerByte);
    out[at + 12] = estimator.uplinkSpread;
    out[at + 13] = estimator.downlinkSpread;
    out[at + 14] = estimator.uplinkLatencyMs * scale;
    out[at + 15] = estimator.downlinkLatencyMs * scale;
    const log = view.log;
    let up = 0;
    let down = 0;
    let transfers = 0;
    let lastEnd = 0;
    for (let k = log.count - 1; k >= 0; k--) {
      const kind = log.kind[k];
      if (kind !== UPLINK && kind !== DOWNLINK) continue;
      transfers++;
      if (log.end[k] > lastEnd) lastEnd = log.end[k];
      const flowing = log.end[k] - log.start[k] - log.latency[k];
      if (log.work[k] <= 0 || flowing <= 0) continue;
      const perByte = flowing / log.work[k];
      if (kind === UPLINK && up < RECENT) out[at + 16 + up++] = Math.log(nominalUpMsPerByte / perByte);
      if (kind === DOWNLINK && down < RECENT)
        out[at + 19 + down++] = Math.log(nominalDownMsPerByte / perByte);
    }
    for (; up < RECENT; up++) out[at + 16 + up] = 0;
    for (; down < RECENT; down++) out[at + 19 + down] = 0;
    this.scoreFinished(view);
    let error = 0;
    const shown = Math.min(this.errorCount, ERRORS);
    for (let e = 0; e < shown; e++) error += this.errors[e];
    out[at + 22] = shown > 0 ? error / shown : 0;
    out[at + 23] = Math.log1p(transfers);
    out[at + 24] = transfers > 0 ? (view.now - lastEnd) * scale : 0;
  }

  /**
   * After the decision: remembers the belief's predicted transfer durations of an offloaded task (the
   * belief is changed: observe it again before reading it).
   */
  afterDecision(view: OnlineView, belief: Belief, action: number): void {
    if (action !== OFFLOAD) return;
    const sim = belief.sim;
    const i = view.task;
    sim.step(i, OFFLOAD);
    this.predictedUl[i] = sim.ftUl[i] - sim.stUl[i];
    this.predictedDl[i] = sim.ftDl[i] - sim.stDl[i];
  }

  private scoreFinished(view: OnlineView): void {
    const log = view.log;
    for (; this.scored < log.count; this.scored++) {
      const k = this.scored;
      const kind = log.kind[k];
      if (kind !== UPLINK && kind !== DOWNLINK) continue;
      const predicted = kind === UPLINK ? this.predictedUl[log.task[k]] : this.predictedDl[log.task[k]];
      const actual = log.end[k] - log.start[k];
      if (predicted <= 0 || actual <= 0) continue;
      this.errors[this.errorCount++ % ERRORS] = Math.log(actual / predicted);
    }
  }
}
