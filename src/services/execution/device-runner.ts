/**
 * Runs a plan for real: the device's local executor holds its CPU for each local task, offloaded tasks'
 * inputs cross a socket to an executor (`mrlco executor`) at R_ul, run on its VM, and their results come
 * back at R_dl. The makespan is measured with performance.now(), next to the simulator's prediction.
 *
 * The runner replays the simulator's semantics (mec/simulator.ts) with real waits instead of arithmetic.
 * Tasks are issued in the plan's scheduling order, and each resource serves them first in, first out in
 * that order, as the simulator's free times M^UE, M^ul, M^s, M^dl do:
 *  - a local task starts when the device CPU is free and every parent has finished (FT^UE or FT^dl);
 *  - an upload starts when the uplink is free and, per parent, in the `paper` profile that parent has
 *    finished (FT^UE or FT^dl), in the `reference` profile it has finished locally or been uploaded
 *    (FT^UE or FT^ul);
 *  - the executor starts a task when the VM is free and its input has arrived (edge-session.ts);
 *  - the result streams back at once (`reference`) or after the results before it (`paper`).
 * Like the executor's VM, the device CPU is emulated by holding it for time_scale · C / f_UE, not by
 * burning cycles. Times are reported in model milliseconds: wall time divided by the time scale.
 */
import { PROFILE_RULES } from '../../mec/profiles.js';
import { performance } from 'node:perf_hooks';
import type { OffloadingProblem } from '../../mec/problem.js';
import { timelineOf } from '../../mec/problem.js';
import { LOCAL, type Interval, type TaskTimeline } from '../../mec/simulator.js';
import { vmHz } from '../../mec/system.js';
import { InputError } from '../../util/errors.js';
import { EdgeLink, type ReceivedResult } from './edge-link.js';
import { sleepUntil } from './pacing.js';
import type { Decider } from '../../world/deciders.js';
import { MeasurementLog, type OnlineView, type Stage } from '../../world/online.js';
import { simulateTimeline } from '../../mec/simulator.js';
import type { WorldInstance } from '../../world/world.js';
import { describeTraces } from './executor-server.js';

/** The executor must replay the run's traces (or none when the run has none). */
function checkLinks(link: EdgeLink, world: WorldInstance | undefined, address: string): void {
  const w = world?.world;
  const ours =
    w && (w.uplinkTrace || w.downlinkTrace)
      ? describeTraces({ uplink: w.uplinkTrace, downlink: w.downlinkTrace, scale: w.traceScale })
      : '';
  const theirs = link.links.description;
  if (ours === theirs) return;
  link.abort();
  if (!ours)
    throw new InputError(
      `the executor at ${address} replays traces (${theirs}): give the run the same world (--uplink-trace, --downlink-trace, --trace-mean)`,
    );
  throw new InputError(
    theirs
      ? `the executor at ${address} replays other traces (${theirs}) than this run's world (${ours})`
      : `the executor at ${address} replays no traces: start it with the run's (executor --uplink-trace … --downlink-trace …)`,
  );
}

export interface RemoteRunOptions {
  /** The executor, HOST:PORT. */
  executor: string;
  /** Wall time per model time; undefined: the executor's default (its --time-scale). */
  timeScale?: number;
  connectTimeoutMs?: number;
  /**
   * A world whose traces the executor replays (`executor --uplink-trace …`), set to the realisation
   * to run (its offset is sent to the executor); the prediction is then the world's.
   */
  world?: WorldInstance;
}

export interface MeasuredTimes {
  ue?: Interval;
  uplink?: Interval;
  mec?: Interval;
  downlink?: Interval;
  /** FT^UE for local tasks, the arrival of the last result byte for offloaded ones. */
  finish: number;
}

export interface MeasuredTask {
  index: number;
  id: string;
  location: 'ue' | 'mec';
  predicted: TaskTimeline;
  /** Model ms since the run started. */
  measured: MeasuredTimes;
}

export interface RemoteRunResult {
  executor: string;
  profile: OffloadingProblem['profile'];
  timeScale: number;
  predictedMakespanMs: number;
  /** Measured wall makespan / time scale. */
  measuredMakespanMs: number;
  wallMs: number;
  /** (measured − predicted) / predicted. */
  relativeError: number;
  bytesUp: number;
  bytesDown: number;
  /** In scheduling order. */
  tasks: MeasuredTask[];
}

/**
 * Executes `plan` (plan[i] = 1: offload task i) of `problem` with tasks issued in `order` (the order
 * the plan's makespan is defined in: problem.order, or a scheduler's result.order).
 */
export async function runOnExecutor(
  problem: OffloadingProblem,
  plan: Uint8Array,
  order: readonly number[],
  options: RemoteRunOptions,
): Promise<RemoteRunResult> {
  const n = problem.dag.tasks.length;
  if (plan.length !== n || order.length !== n)
    throw new InputError(`the plan and the order must cover the DAG's ${n} tasks`);
  const run = await DeviceRun.open(problem, options);
  for (const i of order) run.issue(i, plan[i]);
  return run.finish(plan, order);
}

/** An online run's decisions: per position in the rank order, the model time it was taken at. */
export interface OnlineRunResult extends RemoteRunResult {
  plan: string;
  decisionTimesMs: number[];
}

/**
 * Executes `problem` with each task's action decided online by `decider` (world/deciders.ts), in rank
 * order, at the no-delay decision time of the online protocol (world/online.ts) as it happens for real:
 * when the first undecided task whose parents are all decided could start (the device CPU free and its
 * parents done, or the uplink free and its inputs there), from what has been measured by then. The time
 * a decision takes delays the task. The prediction is the world's for the plan so decided.
 */
export async function runOnlineOnExecutor(
  problem: OffloadingProblem,
  decider: Decider,
  options: RemoteRunOptions & { world: WorldInstance },
): Promise<OnlineRunResult> {
  const run = await DeviceRun.open(problem, options);
  const view = new MeasuredView(problem, run);
  decider.start({ instance: options.world, realisation: options.world.realisation, timeLimitMs: 0 });
  const order = problem.order;
  const n = order.length;
  const waiting = problem.dag.parents.map((p) => p.length);
  const frontier = new Set<number>(order.filter((i) => waiting[i] === 0));
  const decisionTimesMs: number[] = [];
  for (let k = 0; k < n; k++) {
    // The decision time: the first moment some frontier task could start under either action.
    await Promise.race([...frontier].flatMap((u) => run.readiness(u)));
    view.advance(k);
    decisionTimesMs.push(view.now);
    const i = order[k];
    const action = decider.decide(view);
    view.actions[k] = action;
    run.issue(i, action);
    frontier.delete(i);
    for (const c of problem.dag.children[i]) if (--waiting[c] === 0) frontier.add(c);
  }
  const plan = new Uint8Array(n);
  order.forEach((task, k) => (plan[task] = view.actions[k]));
  const result = await run.finish(plan, order);
  return { ...result, plan: plan.join(''), decisionTimesMs };
}

/** One execution: the session, the resources' queues and every stage's measured wall times. */
class DeviceRun {
  private readonly finished: Promise<number>[];
  private readonly uploaded: Promise<number>[];
  readonly wall: { ue?: Interval; uplink?: Interval; result?: ReceivedResult }[];
  readonly decided: Uint8Array;
  private readonly actions: Uint8Array;
  private cpuFree: Promise<unknown> = Promise.resolve();
  private uplinkFree: Promise<unknown> = Promise.resolve();
  readonly t0: number;
  readonly scale: number;
  private readonly waitForUploads: boolean;
  /** Measured stage ends in the order they happened, for an online decider's log. */
  readonly events: { kind: number; task: number; start: number; end: number; work: number }[] = [];

  private constructor(
    readonly problem: OffloadingProblem,
    readonly link: EdgeLink,
    private readonly options: RemoteRunOptions,
  ) {
    const n = problem.dag.tasks.length;
    this.finished = new Array<Promise<number>>(n);
    this.uploaded = new Array<Promise<number>>(n);
    this.wall = Array.from({ length: n }, () => ({}));
    this.decided = new Uint8Array(n);
    this.actions = new Uint8Array(n);
    this.scale = link.timeScale;
    this.waitForUploads = PROFILE_RULES[problem.profile].uploadWaitsForParentUpload;
    this.t0 = performance.now();
  }

  static async open(problem: OffloadingProblem, options: RemoteRunOptions): Promise<DeviceRun> {
    const { system } = problem;
    const world = options.world;
    const link = await EdgeLink.open({
      address: options.executor,
      profile: problem.profile,
      downlinkBps: system.downlinkBps,
      vmHz: vmHz(system),
      ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(world ? { traceOffsetMs: world.offsetMs } : {}),
    });
    checkLinks(link, world, options.executor);
    return new DeviceRun(problem, link, options);
  }

  /** Model ms since the run started. */
  model(t: number): number {
    return (t - this.t0) / this.scale;
  }

  /** When task i could start on the device, and when its upload could start (its parents decided). */
  readiness(i: number): Promise<unknown>[] {
    const parents = this.problem.dag.parents[i];
    const local = Promise.all([this.cpuFree, ...parents.map((j) => this.finished[j])]);
    const deps = parents.map((j) =>
      this.waitForUploads && this.actions[j] !== LOCAL ? this.uploaded[j] : this.finished[j],
    );
    return [local, Promise.all([this.uplinkFree, ...deps])];
  }

  /** Issues task i with `action`; every resource serves its tasks in the order they are issued. */
  issue(i: number, action: number): void {
    const { dag, times } = this.problem;
    const { finished, uploaded, wall, scale, link } = this;
    const parents = dag.parents[i];
    this.decided[i] = 1;
    this.actions[i] = action;
    if (action === LOCAL) {
      const ready = Promise.all([this.cpuFree, ...parents.map((j) => finished[j])]);
      finished[i] = ready.then(async () => {
        const start = performance.now();
        await sleepUntil(start + scale * times.local[i]);
        const finish = performance.now();
        wall[i].ue = { start, finish };
        return finish;
      });
      this.cpuFree = finished[i];
    } else {
      const deps = parents.map((j) =>
        this.waitForUploads && this.actions[j] !== LOCAL ? uploaded[j] : finished[j],
      );
      const result = link.expectResult(i);
      const task = dag.tasks[i];
      uploaded[i] = Promise.all([this.uplinkFree, ...deps]).then(async () => {
        const header = {
          task: i,
          cycles: task.cycles,
          inputBytes: Math.round(task.uploadBytes),
          resultBytes: task.resultBytes,
          uploadBytes: task.uploadBytes,
        };
        // Seen as running until it ends (an online decider reads its start).
        wall[i].uplink = { start: performance.now(), finish: Infinity };
        // Paced by the model's (possibly fractional) size: T^ul from system.ts, scaled.
        wall[i].uplink = await link.upload(header, scale * times.uplink[i]);
        this.events.push({
          kind: 0,
          task: i,
          ...wall[i].uplink,
          end: wall[i].uplink.finish,
          work: task.uploadBytes,
        });
        return wall[i].uplink.finish;
      });
      this.uplinkFree = uploaded[i];
      finished[i] = result.then((r) => {
        const expected = Math.round(task.resultBytes);
        if (r.bytes !== expected)
          throw new InputError(
            `executor at ${this.options.executor}: task ${task.id} returned ${r.bytes} of ${expected} result bytes`,
          );
        wall[i].result = r;
        const report = r.report;
        if (report) {
          const local = (unixMs: number) => unixMs - performance.timeOrigin;
          this.events.push({
            kind: 2,
            task: i,
            start: local(report.vmStartUnixMs),
            end: local(report.vmFinishUnixMs),
            work: task.cycles,
          });
          this.events.push({
            kind: 1,
            task: i,
            start: local(report.resultStartUnixMs),
            end: r.finish,
            work: task.resultBytes,
          });
        }
        return r.finish;
      });
    }
    // Awaited in finish() through Promise.all; these keep an early failure from being reported as unhandled.
    finished[i].catch(() => {});
    uploaded[i]?.catch(() => {});
  }

  /** Waits for every task, closes the session and compares the measured timeline with the prediction. */
  async finish(plan: Uint8Array, order: readonly number[]): Promise<RemoteRunResult> {
    const { problem, link, scale, t0, wall } = this;
    const { dag } = problem;
    let last: number;
    try {
      last = Math.max(t0, ...(await Promise.all(this.finished)));
    } catch (err) {
      link.abort();
      throw err;
    }
    await link.close();
    const world = this.options.world;
    const predicted = world
      ? simulateTimeline(dag, world.sim, order, plan)
      : timelineOf(problem, plan, order);
    const model = (t: number): number => this.model(t);
    const fromUnix = (unixMs: number): number => model(unixMs - performance.timeOrigin);
    const span = (i?: Interval): Interval | undefined =>
      i ? { start: model(i.start), finish: model(i.finish) } : undefined;
    const tasks = predicted.tasks.map((p): MeasuredTask => {
      const w = wall[p.index];
      const measured: MeasuredTimes = { finish: 0 };
      if (p.location === 'ue') {
        measured.ue = span(w.ue);
        measured.finish = measured.ue!.finish;
      } else {
        measured.uplink = span(w.uplink);
        const report = w.result!.report;
        if (report) {
          measured.mec = { start: fromUnix(report.vmStartUnixMs), finish: fromUnix(report.vmFinishUnixMs) };
          measured.downlink = { start: fromUnix(report.resultStartUnixMs), finish: model(w.result!.finish) };
        }
        measured.finish = model(w.result!.finish);
      }
      return { index: p.index, id: p.id, location: p.location, predicted: p, measured };
    });
    const measuredMakespanMs = model(last);
    const predictedMakespanMs = predicted.makespanMs;
    return {
      executor: this.options.executor,
      profile: problem.profile,
      timeScale: scale,
      predictedMakespanMs,
      measuredMakespanMs,
      wallMs: last - t0,
      relativeError:
        predictedMakespanMs > 0 ? (measuredMakespanMs - predictedMakespanMs) / predictedMakespanMs : 0,
      bytesUp: link.bytesUp,
      bytesDown: link.bytesDown,
      tasks,
    };
  }
}

/**
 * What an online decider sees during a real run (world/online.ts's OnlineView), from the measured
 * wall times in model ms: a stage's start and end once they have happened, the stages finished by now as
 * measurements. A running transfer's delivered bytes are not measured here (0 until it ends).
 */
class MeasuredView implements OnlineView {
  now = 0;
  position = 0;
  readonly actions: Uint8Array;
  readonly log: MeasurementLog;
  private readonly positions: Int32Array;

  constructor(
    readonly problem: OffloadingProblem,
    private readonly run: DeviceRun,
  ) {
    const n = problem.order.length;
    this.actions = new Uint8Array(n);
    this.log = new MeasurementLog(3 * n);
    this.positions = new Int32Array(n);
    problem.order.forEach((task, k) => (this.positions[task] = k));
  }

  get task(): number {
    return this.problem.order[this.position];
  }

  /** To decision k, now: the stages that have ended join the log, in the order they ended. */
  advance(k: number): void {
    this.position = k;
    this.now = this.run.model(performance.now());
    const events = this.run.events;
    for (let e = this.log.count; e < events.length; e++) {
      const ev = events[e];
      this.log.push(ev.kind, ev.task, ev.work, this.run.model(ev.start), this.run.model(ev.end), 0);
    }
  }

  private decided(task: number): boolean {
    return this.positions[task] < this.position;
  }

  private interval(task: number, stage: Stage): Interval | undefined {
    const w = this.run.wall[task];
    if (stage === 'ue') return w.ue;
    if (stage === 'uplink') return w.uplink;
    const report = w.result?.report;
    if (!report || !w.result) return undefined;
    const local = (unixMs: number) => unixMs - performance.timeOrigin;
    return stage === 'mec'
      ? { start: local(report.vmStartUnixMs), finish: local(report.vmFinishUnixMs) }
      : { start: local(report.resultStartUnixMs), finish: w.result.finish };
  }

  started(task: number, stage: Stage): number {
    if (!this.decided(task)) return NaN;
    const i = this.interval(task, stage);
    if (!i) return NaN;
    const t = this.run.model(i.start);
    return t <= this.now ? t : NaN;
  }

  finished(task: number, stage: Stage): number {
    if (!this.decided(task)) return NaN;
    const i = this.interval(task, stage);
    if (!i) return NaN;
    const t = this.run.model(i.finish);
    return t <= this.now ? t : NaN;
  }

  delivered(task: number, stage: 'uplink' | 'downlink'): number {
    if (Number.isNaN(this.finished(task, stage))) return 0;
    const t = this.problem.dag.tasks[task];
    return stage === 'uplink' ? t.uploadBytes : t.resultBytes;
  }
}
