/**
 * A decider's belief: the latency model with its estimates, set to what has been observed by the
 * decision time. Every stage of a decided task is either
 *  - finished: its observed start and end;
 *  - running: its observed start, and an end predicted from now (a transfer: its bytes not yet
 *    delivered at the predicted rate; a computation: its predicted duration from its start, and not
 *    before now);
 *  - not started: predicted by the latency model's rules from the predicted state before it, and not
 *    before now.
 * The predictions come from the links and durations of the `target` simulator, so the same filling
 * serves the estimated latency model (constant estimated rates) and a sampled future of a Markov
 * channel. (No task can start before now: the no-delay rule makes every undecided task ready no
 * earlier than the decision time, and every prediction here is no earlier than now.)
 */
import type { CapacityPath, Dynamics, TaskWork } from '../mec/capacity.js';
import type { OffloadingProblem } from '../mec/problem.js';
import { LatencySimulator, LOCAL } from '../mec/simulator.js';
import type { TaskTimes } from '../mec/system.js';
import type { LinkEstimator } from './estimators.js';
import type { OnlineView } from './online.js';
import { ConstantPath } from './paths.js';
import { nominalWork } from './world.js';

/** The links a prediction uses, and the set-up time it predicts for a transfer whose bytes are not flowing yet. */
export interface PredictionLinks {
  readonly uplink: CapacityPath;
  readonly downlink: CapacityPath;
  readonly uplinkLatencyMs: number;
  readonly downlinkLatencyMs: number;
}

/**
 * Sets `target` to the state observed in `view`, predicting what has not happened. `target` must use
 * `links` for its transfers (its dynamics), and nominal sizes in its work.
 */
export function fillObservedState(
  target: LatencySimulator,
  work: TaskWork,
  links: PredictionLinks,
  view: OnlineView,
): void {
  const now = view.now;
  const { order, parents } = view.problem;
  const queued = target.queuedDownlink;
  target.reset();
  let makespan = 0;
  for (let k = 0; k < view.position; k++) {
    const i = order[k];
    let finish: number;
    if (view.actions[k] === LOCAL) {
      const st = view.started(i, 'ue');
      const ft = view.finished(i, 'ue');
      let start: number;
      if (ft === ft) {
        start = st;
        finish = ft;
      } else if (st === st) {
        start = st;
        finish = atLeast(now, target.ueEnd(i, st));
      } else {
        start = atLeast(now, target.localReady(i));
        finish = target.ueEnd(i, start);
      }
      target.stUe[i] = start;
      target.ftUe[i] = finish;
      target.ftUl[i] = target.ftMec[i] = target.ftDl[i] = 0;
      target.ueFree = finish;
    } else {
      // Upload.
      const ulSt = view.started(i, 'uplink');
      const ulFt = view.finished(i, 'uplink');
      let ulStart: number;
      let ulFinish: number;
      if (ulFt === ulFt) {
        ulStart = ulSt;
        ulFinish = ulFt;
      } else if (ulSt === ulSt) {
        ulStart = ulSt;
        ulFinish = transferEnd(
          links.uplink,
          ulSt + links.uplinkLatencyMs,
          now,
          work.uploadBytes[i],
          view.delivered(i, 'uplink'),
        );
      } else {
        ulStart = atLeast(now, target.uploadReady(i));
        ulFinish = target.ulEnd(i, ulStart);
      }
      // The VM.
      const mecSt = view.started(i, 'mec');
      const mecFt = view.finished(i, 'mec');
      let mecStart: number;
      let mecFinish: number;
      if (mecFt === mecFt) {
        mecStart = mecSt;
        mecFinish = mecFt;
      } else if (mecSt === mecSt) {
        mecStart = mecSt;
        mecFinish = atLeast(now, target.mecEnd(i, mecSt));
      } else {
        mecStart = target.mecFree > ulFinish ? target.mecFree : ulFinish;
        for (let q = parents.start[i]; q < parents.start[i + 1]; q++) {
          const f = target.ftMec[parents.list[q]];
          if (f > mecStart) mecStart = f;
        }
        mecStart = atLeast(now, mecStart);
        mecFinish = target.mecEnd(i, mecStart);
      }
      // Download.
      const dlSt = view.started(i, 'downlink');
      const dlFt = view.finished(i, 'downlink');
      let dlStart: number;
      if (dlFt === dlFt) {
        dlStart = dlSt;
        finish = dlFt;
      } else if (dlSt === dlSt) {
        dlStart = dlSt;
        finish = transferEnd(
          links.downlink,
          dlSt + links.downlinkLatencyMs,
          now,
          work.resultBytes[i],
          view.delivered(i, 'downlink'),
        );
      } else {
        dlStart = atLeast(now, !queued || mecFinish > target.dlFree ? mecFinish : target.dlFree);
        finish = target.dlEnd(i, dlStart);
      }
      target.stUl[i] = ulStart;
      target.stMec[i] = mecStart;
      target.stDl[i] = dlStart;
      target.ftUe[i] = 0;
      target.ftUl[i] = ulFinish;
      target.ftMec[i] = mecFinish;
      target.ftDl[i] = finish;
      target.ulFree = ulFinish;
      target.mecFree = mecFinish;
      if (queued) target.dlFree = finish;
    }
    if (finish > makespan) makespan = finish;
  }
  target.makespan = makespan;
}

/** A running transfer's predicted end: its remaining bytes from now, its first byte not before `flowing`. */
function transferEnd(
  link: CapacityPath,
  flowing: number,
  now: number,
  bytes: number,
  delivered: number,
): number {
  if (delivered > 0) {
    const rest = bytes - delivered;
    return rest > 0 ? link.finish(now, rest) : now;
  }
  return link.finish(flowing > now ? flowing : now, bytes);
}

function atLeast(now: number, t: number): number {
  return t > now ? t : now;
}

/**
 * The latency model with an estimator's values: the nominal task sizes, the estimated rates and set-up
 * times on the links, the estimated VM speed, the UE as nominal. `observe` sets it to a view.
 */
export class Belief implements PredictionLinks {
  readonly sim: LatencySimulator;
  readonly uplink = new ConstantPath(1);
  readonly downlink = new ConstantPath(1);
  uplinkLatencyMs = 0;
  downlinkLatencyMs = 0;
  private readonly times: TaskTimes;
  private readonly work: TaskWork;
  private readonly cycles: Float64Array;

  constructor(readonly problem: OffloadingProblem) {
    const dag = problem.dag;
    const n = dag.tasks.length;
    this.work = nominalWork(dag);
    this.cycles = this.work.cycles;
    this.times = {
      local: Float64Array.from(problem.times.local),
      uplink: new Float64Array(n),
      mec: Float64Array.from(problem.times.mec),
      downlink: new Float64Array(n),
    };
    const dynamics: Dynamics = {
      paths: { ue: null, uplink: this.uplink, mec: null, downlink: this.downlink },
      work: this.work,
    };
    this.sim = new LatencySimulator(this.times, problem.parents, problem.profile);
    this.sim.setDynamics(dynamics);
  }

  /** Sets the estimates: links in ms per byte and set-up ms, the VM in ms per cycle. */
  setEstimates(
    upMsPerByte: number,
    downMsPerByte: number,
    upLatency: number,
    downLatency: number,
    mecMsPerCycle: number,
  ): void {
    this.uplink.rate = 1 / upMsPerByte;
    this.downlink.rate = 1 / downMsPerByte;
    this.uplinkLatencyMs = upLatency;
    this.downlinkLatencyMs = downLatency;
    this.work.uplinkLatency.fill(upLatency);
    this.work.downlinkLatency.fill(downLatency);
    const mec = this.times.mec;
    for (let i = 0; i < mec.length; i++) mec[i] = this.cycles[i] * mecMsPerCycle;
  }

  /** The estimator's current values. */
  setFromEstimator(e: LinkEstimator): void {
    this.setEstimates(
      e.uplinkMsPerByte,
      e.downlinkMsPerByte,
      e.uplinkLatencyMs,
      e.downlinkLatencyMs,
      e.mecMsPerCycle,
    );
  }

  observe(view: OnlineView): void {
    fillObservedState(this.sim, this.work, this, view);
  }
}
