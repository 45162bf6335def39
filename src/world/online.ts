/**
 * The online protocol (docs/world.md, "Deciding online"). Tasks are decided one at a time in rank
 * order, as in the paper, but each decision is taken during execution, at a causal decision time, from
 * what has been observed by then.
 *
 * The decision time of the k-th task is d_k = max(d_{k−1}, min over the undecided tasks whose parents
 * are all decided of the earliest time each could start under either action), the "no-delay" rule:
 * a task's actual start is never before its decision time, so a fixed plan executed online meets
 * exactly the delays of the static protocol (its makespan is the static one), and nothing waits for a
 * decision that could have been taken earlier without knowing more.
 *
 * The world commits a decided task's whole timeline at once: the resources serve tasks first-in
 * first-out in decision order and their capacity does not depend on our tasks, so a decided task's
 * times do not depend on later decisions. What a decider sees of them is filtered by the decision time
 * (`OnlineView`): a stage's start and end once they have happened, the bytes a running transfer has
 * delivered so far, and every finished stage as a measurement.
 */
import type { OffloadingProblem } from '../mec/problem.js';
import { LOCAL, OFFLOAD, type LatencySimulator } from '../mec/simulator.js';
import type { WorldInstance } from './world.js';

export const UPLINK = 0;
export const DOWNLINK = 1;
export const SERVER = 2;

/** Finished stages, in the order they finished: the measurement history of an episode. */
export class MeasurementLog {
  count = 0;
  /** UPLINK, DOWNLINK or SERVER. */
  readonly kind: Uint8Array;
  readonly task: Int32Array;
  /** Bytes transferred (actual), or the task's nominal cycles for the server. */
  readonly work: Float64Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** A transfer's set-up time before its first byte (0 for the server). */
  readonly latency: Float64Array;

  constructor(capacity: number) {
    this.kind = new Uint8Array(capacity);
    this.task = new Int32Array(capacity);
    this.work = new Float64Array(capacity);
    this.start = new Float64Array(capacity);
    this.end = new Float64Array(capacity);
    this.latency = new Float64Array(capacity);
  }

  clear(): void {
    this.count = 0;
  }

  push(kind: number, task: number, work: number, start: number, end: number, latency: number): void {
    const c = this.count++;
    this.kind[c] = kind;
    this.task[c] = task;
    this.work[c] = work;
    this.start[c] = start;
    this.end[c] = end;
    this.latency[c] = latency;
  }
}

/** What a decider may see at its decision time: read-only, filtered by `now`. */
export interface OnlineView {
  readonly problem: OffloadingProblem;
  /** The decision time, ms. */
  readonly now: number;
  /** The position (in the rank order) of the task to decide, and the task. */
  readonly position: number;
  readonly task: number;
  /** Actions of the decided positions (by position). */
  readonly actions: Uint8Array;
  /** Finished transfers and server stages, in the order they finished (all before `now`). */
  readonly log: MeasurementLog;
  /** A decided task's stage times where they have happened (NaN otherwise); stage as in STAGES. */
  started(task: number, stage: Stage): number;
  finished(task: number, stage: Stage): number;
  /** Bytes a transfer has delivered by now (0 before its first byte, all of them once finished). */
  delivered(task: number, stage: 'uplink' | 'downlink'): number;
}

export type Stage = 'ue' | 'uplink' | 'mec' | 'downlink';

export class OnlineEpisode implements OnlineView {
  readonly problem: OffloadingProblem;
  readonly n: number;
  readonly actions: Uint8Array;
  /** Decision time of each position. */
  readonly decisionTimes: Float64Array;
  readonly log: MeasurementLog;
  now = 0;
  position = 0;
  private readonly sim: LatencySimulator;
  private readonly order: readonly number[];
  /** Per task: its position in the order. */
  private readonly positions: Int32Array;
  /** Per task: parents not yet decided. */
  private readonly waiting: Int32Array;
  /** Undecided tasks whose parents are all decided. */
  private readonly frontier: Int32Array;
  private frontierSize = 0;
  /** Stages committed but not yet finished at the last decision time (indices into the pending arrays). */
  private readonly pendingKind: Uint8Array;
  private readonly pendingTask: Int32Array;
  private readonly pendingEnd: Float64Array;
  private pendingCount = 0;

  constructor(readonly instance: WorldInstance) {
    this.problem = instance.problem;
    this.sim = instance.sim;
    this.order = this.problem.order;
    const n = (this.n = this.order.length);
    this.actions = new Uint8Array(n);
    this.positions = new Int32Array(n);
    this.order.forEach((task, k) => (this.positions[task] = k));
    this.decisionTimes = new Float64Array(n);
    this.waiting = new Int32Array(n);
    this.frontier = new Int32Array(n);
    this.log = new MeasurementLog(3 * n);
    this.pendingKind = new Uint8Array(3 * n);
    this.pendingTask = new Int32Array(3 * n);
    this.pendingEnd = new Float64Array(3 * n);
  }

  get task(): number {
    return this.order[this.position];
  }

  get done(): boolean {
    return this.position >= this.n;
  }

  get makespan(): number {
    return this.sim.makespan;
  }

  /** Starts an episode in the instance's current realisation; positions the view at the first decision. */
  reset(): void {
    this.sim.reset();
    this.log.clear();
    this.pendingCount = 0;
    this.position = 0;
    this.now = 0;
    this.frontierSize = 0;
    const dag = this.problem.dag;
    for (let i = 0; i < this.n; i++) {
      this.waiting[i] = dag.parents[i].length;
      if (this.waiting[i] === 0) this.frontier[this.frontierSize++] = i;
    }
    this.advance();
  }

  /** Decides the current task; the view moves to the next decision (or the episode ends). */
  decide(action: number): void {
    if (this.done) throw new Error('decide() after the last task; call reset()');
    if (action !== LOCAL && action !== OFFLOAD) throw new RangeError(`action must be 0 or 1, got ${action}`);
    const i = this.task;
    this.sim.step(i, action);
    this.actions[this.position] = action;
    this.removeFromFrontier(i);
    for (const c of this.problem.dag.children[i])
      if (--this.waiting[c] === 0) this.frontier[this.frontierSize++] = c;
    if (action === OFFLOAD) {
      this.addPending(UPLINK, i, this.sim.ftUl[i]);
      this.addPending(SERVER, i, this.sim.ftMec[i]);
      this.addPending(DOWNLINK, i, this.sim.ftDl[i]);
    }
    this.position++;
    if (!this.done) this.advance();
  }

  /** Plays a whole episode with a fixed plan (task-index order); returns the makespan. */
  runPlan(plan: ArrayLike<number>): number {
    this.reset();
    while (!this.done) this.decide(plan[this.task]);
    return this.makespan;
  }

  started(task: number, stage: Stage): number {
    if (!this.isDecided(task) || !this.uses(task, stage)) return NaN;
    const t = this.stageStart(task, stage);
    return t <= this.now ? t : NaN;
  }

  finished(task: number, stage: Stage): number {
    if (!this.isDecided(task) || !this.uses(task, stage)) return NaN;
    const t = this.stageEnd(task, stage);
    return t <= this.now ? t : NaN;
  }

  delivered(task: number, stage: 'uplink' | 'downlink'): number {
    const start = this.started(task, stage);
    if (Number.isNaN(start)) return 0;
    const work = this.instance.actualWork;
    const bytes = stage === 'uplink' ? work.uploadBytes[task] : work.resultBytes[task];
    const end = this.stageEnd(task, stage);
    if (end <= this.now) return bytes;
    const latency = stage === 'uplink' ? work.uplinkLatency[task] : work.downlinkLatency[task];
    const flowing = start + latency;
    if (this.now <= flowing) return 0;
    // Delivered so far: the link's capacity since the first byte (a constant link: its rate × time).
    const served = this.instance.served(stage, flowing, this.now);
    return served < bytes ? served : bytes;
  }

  /** A task is decided once its position is before the current one. */
  isDecided(task: number): boolean {
    return this.positions[task] < this.position;
  }

  private positionOf(task: number): number {
    return this.positions[task];
  }

  private uses(task: number, stage: Stage): boolean {
    const action = this.actions[this.positionOf(task)];
    return stage === 'ue' ? action === LOCAL : action === OFFLOAD;
  }

  private stageStart(task: number, stage: Stage): number {
    const s = this.sim;
    return stage === 'ue'
      ? s.stUe[task]
      : stage === 'uplink'
        ? s.stUl[task]
        : stage === 'mec'
          ? s.stMec[task]
          : s.stDl[task];
  }

  private stageEnd(task: number, stage: Stage): number {
    const s = this.sim;
    return stage === 'ue'
      ? s.ftUe[task]
      : stage === 'uplink'
        ? s.ftUl[task]
        : stage === 'mec'
          ? s.ftMec[task]
          : s.ftDl[task];
  }

  /** Moves to the current position's decision time and logs every stage finished by then. */
  private advance(): void {
    const sim = this.sim;
    let earliest = Infinity;
    for (let f = 0; f < this.frontierSize; f++) {
      const u = this.frontier[f];
      const local = sim.localReady(u);
      const upload = sim.uploadReady(u);
      const start = local < upload ? local : upload;
      if (start < earliest) earliest = start;
    }
    const previous = this.position > 0 ? this.decisionTimes[this.position - 1] : 0;
    this.now = earliest > previous ? earliest : previous;
    this.decisionTimes[this.position] = this.now;
    this.absorbFinished();
  }

  private addPending(kind: number, task: number, end: number): void {
    const c = this.pendingCount++;
    this.pendingKind[c] = kind;
    this.pendingTask[c] = task;
    this.pendingEnd[c] = end;
  }

  /** Moves the stages finished by now from the pending list to the log, in order of their end. */
  private absorbFinished(): void {
    const now = this.now;
    for (;;) {
      // The pending stage that ends first (the lists are short: a few stages in flight).
      let best = -1;
      for (let p = 0; p < this.pendingCount; p++)
        if (this.pendingEnd[p] <= now && (best < 0 || this.pendingEnd[p] < this.pendingEnd[best])) best = p;
      if (best < 0) return;
      const kind = this.pendingKind[best];
      const task = this.pendingTask[best];
      const w = this.instance.actualWork;
      const s = this.sim;
      if (kind === UPLINK)
        this.log.push(kind, task, w.uploadBytes[task], s.stUl[task], s.ftUl[task], w.uplinkLatency[task]);
      else if (kind === DOWNLINK)
        this.log.push(kind, task, w.resultBytes[task], s.stDl[task], s.ftDl[task], w.downlinkLatency[task]);
      else this.log.push(kind, task, this.problem.dag.tasks[task].cycles, s.stMec[task], s.ftMec[task], 0);
      const last = --this.pendingCount;
      this.pendingKind[best] = this.pendingKind[last];
      this.pendingTask[best] = this.pendingTask[last];
      this.pendingEnd[best] = this.pendingEnd[last];
    }
  }

  private removeFromFrontier(task: number): void {
    for (let f = 0; f < this.frontierSize; f++) {
      if (this.frontier[f] === task) {
        this.frontier[f] = this.frontier[--this.frontierSize];
        return;
      }
    }
  }
}
