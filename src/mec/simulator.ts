/**
 * The latency model of Sec. 3 (Eqs. 5-8) as an incremental, allocation-free simulator.
 *
 * Tasks are added one at a time in a parents-first order, each with an action (0 = run on the UE,
 * 1 = offload). Two profiles:
 *  - `paper`: Eqs. (5)-(7) as printed. An upload waits for every parent's FT^UE and FT^dl; the MEC
 *    start for the upload and the parents' FT^s; the downlink is a queued resource (M^dl).
 *  - `reference`: the semantics of the paper's public experiments (which reproduce its Table 3). An
 *    upload waits for each parent's local finish or upload finish (not its download); the MEC start for
 *    the task's upload and the parents' MEC finish; the downlink is not queued.
 * In both, a task on the UE waits for each parent's FT^UE and FT^dl, and the makespan (Eq. 8) is the
 * latest finish (FT^UE or FT^dl) of any task, which equals that of the exit tasks.
 *
 * The same simulator is the world a plan meets (world/): given `Dynamics`, a resource with a capacity
 * path computes a stage's end from its start (a link replaying a trace, a shared server), and a task's
 * actual work replaces the nominal one. Without dynamics every stage lasts its TaskTimes duration: the
 * latency model is the world with every dynamic off, and "task j starts when" has one meaning.
 */
import type { Dag } from '../dag/dag.js';
import type { TaskTimes } from './system.js';
import { PROFILE_RULES, type SimProfile } from './profiles.js';
import type { CapacityPath, Dynamics, TaskWork } from './capacity.js';

export { SIM_PROFILES, type SimProfile } from './profiles.js';

export const LOCAL = 0;
export const OFFLOAD = 1;

/** Parents in compressed-row form, so the hot loop reads flat typed arrays. */
export interface ParentIndex {
  readonly start: Int32Array;
  readonly list: Int32Array;
}

export function parentIndex(dag: Dag): ParentIndex {
  const n = dag.tasks.length;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + dag.parents[i].length;
  const list = new Int32Array(start[n]);
  for (let i = 0; i < n; i++) list.set(dag.parents[i], start[i]);
  return { start, list };
}

/** The state of the four resources after some tasks; copy it to branch (see `saveResources`). */
export class LatencySimulator {
  readonly n: number;
  /** The profile's rules (profiles.ts), as fields for the hot loops. */
  readonly uploadWaitsForParentUpload: boolean;
  readonly queuedDownlink: boolean;
  // Resource free times (M^UE, M^ul, M^s, M^dl) and the makespan so far, in ms.
  ueFree = 0;
  ulFree = 0;
  mecFree = 0;
  dlFree = 0;
  makespan = 0;
  // Per-task finish times; 0 on the resources a task did not use (as the paper sets them).
  readonly ftUe: Float64Array;
  readonly ftUl: Float64Array;
  readonly ftMec: Float64Array;
  readonly ftDl: Float64Array;
  // Start times, kept for timelines.
  readonly stUe: Float64Array;
  readonly stUl: Float64Array;
  readonly stMec: Float64Array;
  readonly stDl: Float64Array;
  // The world's capacity paths (null: the resource's durations are the TaskTimes) and the actual work.
  private uePath: CapacityPath | null = null;
  private ulPath: CapacityPath | null = null;
  private mecPath: CapacityPath | null = null;
  private dlPath: CapacityPath | null = null;
  private work: TaskWork | null = null;

  constructor(
    readonly times: TaskTimes,
    readonly parents: ParentIndex,
    readonly profile: SimProfile,
  ) {
    this.n = times.local.length;
    const rules = PROFILE_RULES[profile];
    this.uploadWaitsForParentUpload = rules.uploadWaitsForParentUpload;
    this.queuedDownlink = rules.queuedDownlink;
    const n = this.n;
    this.ftUe = new Float64Array(n);
    this.ftUl = new Float64Array(n);
    this.ftMec = new Float64Array(n);
    this.ftDl = new Float64Array(n);
    this.stUe = new Float64Array(n);
    this.stUl = new Float64Array(n);
    this.stMec = new Float64Array(n);
    this.stDl = new Float64Array(n);
  }

  reset(): void {
    this.ueFree = this.ulFree = this.mecFree = this.dlFree = this.makespan = 0;
  }

  /** Sets (or, with null, removes) the world's dynamics; `times` keeps the constant resources' durations. */
  setDynamics(dynamics: Dynamics | null): void {
    this.uePath = dynamics?.paths.ue ?? null;
    this.ulPath = dynamics?.paths.uplink ?? null;
    this.mecPath = dynamics?.paths.mec ?? null;
    this.dlPath = dynamics?.paths.downlink ?? null;
    this.work = dynamics?.work ?? null;
  }

  /** True when some resource has a capacity path. */
  get dynamic(): boolean {
    return this.work !== null;
  }

  // When each stage of task i ends if it starts at `start`: its fixed duration, or the resource's path.
  ueEnd(i: number, start: number): number {
    const p = this.uePath;
    return p === null ? start + this.times.local[i] : p.finish(start, this.work!.cycles[i]);
  }

  ulEnd(i: number, start: number): number {
    const p = this.ulPath;
    if (p === null) return start + this.times.uplink[i];
    const w = this.work!;
    return p.finish(start + w.uplinkLatency[i], w.uploadBytes[i]);
  }

  mecEnd(i: number, start: number): number {
    const p = this.mecPath;
    return p === null ? start + this.times.mec[i] : p.finish(start, this.work!.cycles[i]);
  }

  dlEnd(i: number, start: number): number {
    const p = this.dlPath;
    if (p === null) return start + this.times.downlink[i];
    const w = this.work!;
    return p.finish(start + w.downlinkLatency[i], w.resultBytes[i]);
  }

  /** When task i could start on the UE: the UE free and every parent's result on the device. */
  localReady(i: number): number {
    let ready = this.ueFree;
    const { start, list } = this.parents;
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = list[k];
      const f = this.ftUe[j] > this.ftDl[j] ? this.ftUe[j] : this.ftDl[j];
      if (f > ready) ready = f;
    }
    return ready;
  }

  /** When task i's upload could start: the uplink free and each parent's data where the profile says. */
  uploadReady(i: number): number {
    const { start, list } = this.parents;
    let ready = this.ulFree;
    const ref = this.uploadWaitsForParentUpload;
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = list[k];
      const dep = ref
        ? this.ftUe[j] > this.ftUl[j]
          ? this.ftUe[j]
          : this.ftUl[j]
        : this.ftUe[j] > this.ftDl[j]
          ? this.ftUe[j]
          : this.ftDl[j];
      if (dep > ready) ready = dep;
    }
    return ready;
  }

  /** HEFT's choice for task i now (the earlier finish; a tie goes to offload), without adding it. */
  earliestAction(i: number): number {
    return this.localFinish(i) < this.offloadFinish(i) ? LOCAL : OFFLOAD;
  }

  /** Finish time of task i if it ran locally now, without changing the state. */
  localFinish(i: number): number {
    return this.ueEnd(i, this.localReady(i));
  }

  /** Finish time (end of the download) of task i if it were offloaded now, without changing the state. */
  offloadFinish(i: number): number {
    const { start, list } = this.parents;
    const ulStart = this.uploadReady(i);
    let mecReady = 0;
    const queued = this.queuedDownlink;
    for (let k = start[i]; k < start[i + 1]; k++)
      if (this.ftMec[list[k]] > mecReady) mecReady = this.ftMec[list[k]];
    const ulFinish = this.ulEnd(i, ulStart);
    let mecStart = this.mecFree > ulFinish ? this.mecFree : ulFinish;
    if (mecReady > mecStart) mecStart = mecReady;
    const mecFinish = this.mecEnd(i, mecStart);
    const dlStart = !queued || mecFinish > this.dlFree ? mecFinish : this.dlFree;
    return this.dlEnd(i, dlStart);
  }

  /** Adds task i with `action` (0 local, 1 offload); returns the task's finish time. */
  step(i: number, action: number): number {
    const { start, list } = this.parents;
    let finish: number;
    if (action === LOCAL) {
      let ready = this.ueFree;
      for (let k = start[i]; k < start[i + 1]; k++) {
        const j = list[k];
        const f = this.ftUe[j] > this.ftDl[j] ? this.ftUe[j] : this.ftDl[j];
        if (f > ready) ready = f;
      }
      finish = this.ueEnd(i, ready);
      this.commitLocal(i, ready, finish);
    } else {
      const ref = this.uploadWaitsForParentUpload;
      const queued = this.queuedDownlink;
      let ulStart = this.ulFree;
      let mecReady = 0;
      for (let k = start[i]; k < start[i + 1]; k++) {
        const j = list[k];
        const dep = ref
          ? this.ftUe[j] > this.ftUl[j]
            ? this.ftUe[j]
            : this.ftUl[j]
          : this.ftUe[j] > this.ftDl[j]
            ? this.ftUe[j]
            : this.ftDl[j];
        if (dep > ulStart) ulStart = dep;
        if (this.ftMec[j] > mecReady) mecReady = this.ftMec[j];
      }
      const ulFinish = this.ulEnd(i, ulStart);
      let mecStart = this.mecFree > ulFinish ? this.mecFree : ulFinish;
      if (mecReady > mecStart) mecStart = mecReady;
      const mecFinish = this.mecEnd(i, mecStart);
      const dlStart = !queued || mecFinish > this.dlFree ? mecFinish : this.dlFree;
      finish = this.dlEnd(i, dlStart);
      this.commitOffload(i, ulStart, ulFinish, mecStart, mecFinish, dlStart, finish);
    }
    if (finish > this.makespan) this.makespan = finish;
    return finish;
  }

  /** Records task i on the UE CPU from `ready` to `finish`. */
  private commitLocal(i: number, ready: number, finish: number): void {
    this.stUe[i] = ready;
    this.ftUe[i] = finish;
    this.ftUl[i] = this.ftMec[i] = this.ftDl[i] = 0;
    this.ueFree = finish;
  }

  /** Records task i offloaded: its uplink, MEC and downlink intervals. */
  private commitOffload(
    i: number,
    ulStart: number,
    ulFinish: number,
    mecStart: number,
    mecFinish: number,
    dlStart: number,
    finish: number,
  ): void {
    this.stUl[i] = ulStart;
    this.stMec[i] = mecStart;
    this.stDl[i] = dlStart;
    this.ftUe[i] = 0;
    this.ftUl[i] = ulFinish;
    this.ftMec[i] = mecFinish;
    this.ftDl[i] = finish;
    this.ulFree = ulFinish;
    this.mecFree = mecFinish;
    if (this.queuedDownlink) this.dlFree = finish;
  }

  /**
   * Adds task i where it finishes earliest (HEFT's rule; a tie goes to offload) and returns the action:
   * step(i, localFinish(i) < offloadFinish(i) ? LOCAL : OFFLOAD) with each parent scan done once.
   */
  stepEarliest(i: number): number {
    const { start, list } = this.parents;
    const ref = this.uploadWaitsForParentUpload;
    const queued = this.queuedDownlink;
    let ready = this.ueFree;
    let ulStart = this.ulFree;
    let mecReady = 0;
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = list[k];
      const ue = this.ftUe[j];
      const dl = this.ftDl[j];
      const f = ue > dl ? ue : dl;
      if (f > ready) ready = f;
      const dep = ref ? (ue > this.ftUl[j] ? ue : this.ftUl[j]) : f;
      if (dep > ulStart) ulStart = dep;
      if (this.ftMec[j] > mecReady) mecReady = this.ftMec[j];
    }
    const localFinish = this.ueEnd(i, ready);
    const ulFinish = this.ulEnd(i, ulStart);
    let mecStart = this.mecFree > ulFinish ? this.mecFree : ulFinish;
    if (mecReady > mecStart) mecStart = mecReady;
    const mecFinish = this.mecEnd(i, mecStart);
    const dlStart = !queued || mecFinish > this.dlFree ? mecFinish : this.dlFree;
    const offloadFinish = this.dlEnd(i, dlStart);
    let finish: number;
    let action: number;
    if (localFinish < offloadFinish) {
      action = LOCAL;
      finish = localFinish;
      this.commitLocal(i, ready, finish);
    } else {
      action = OFFLOAD;
      finish = offloadFinish;
      this.commitOffload(i, ulStart, ulFinish, mecStart, mecFinish, dlStart, finish);
    }
    if (finish > this.makespan) this.makespan = finish;
    return action;
  }

  /** Makespan of a whole plan (plan[i] = action of task i) with tasks added in `order`. */
  run(order: ArrayLike<number>, plan: ArrayLike<number>): number {
    this.reset();
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      this.step(i, plan[i]);
    }
    return this.makespan;
  }
}

export interface Interval {
  start: number;
  finish: number;
}

export interface TaskTimeline {
  index: number;
  id: string;
  name?: string;
  location: 'ue' | 'mec';
  ue?: Interval;
  uplink?: Interval;
  mec?: Interval;
  downlink?: Interval;
  /** FT^UE for local tasks, FT^dl for offloaded ones. */
  finish: number;
}

export interface Timeline {
  makespanMs: number;
  profile: SimProfile;
  /** Tasks in the order they were scheduled. */
  tasks: TaskTimeline[];
}

/** Runs a plan and records, per task, where it ran and its start and finish on each resource. */
export function simulateTimeline(
  dag: Dag,
  sim: LatencySimulator,
  order: ArrayLike<number>,
  plan: ArrayLike<number>,
): Timeline {
  sim.reset();
  const tasks: TaskTimeline[] = [];
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const finish = sim.step(i, plan[i]);
    const task = dag.tasks[i];
    const entry: TaskTimeline = {
      index: i,
      id: task.id,
      ...(task.name !== undefined ? { name: task.name } : {}),
      location: plan[i] === LOCAL ? 'ue' : 'mec',
      finish,
    };
    if (plan[i] === LOCAL) {
      entry.ue = { start: sim.stUe[i], finish: sim.ftUe[i] };
    } else {
      entry.uplink = { start: sim.stUl[i], finish: sim.ftUl[i] };
      entry.mec = { start: sim.stMec[i], finish: sim.ftMec[i] };
      entry.downlink = { start: sim.stDl[i], finish: sim.ftDl[i] };
    }
    tasks.push(entry);
  }
  return { makespanMs: sim.makespan, profile: sim.profile, tasks };
}
