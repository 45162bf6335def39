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
  const { dag, times, system } = problem;
  const n = dag.tasks.length;
  if (plan.length !== n || order.length !== n)
    throw new InputError(`the plan and the order must cover the DAG's ${n} tasks`);
  const world = options.world;
  const predicted = world ? simulateTimeline(dag, world.sim, order, plan) : timelineOf(problem, plan, order);
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
  const scale = link.timeScale;
  const waitForUploads = PROFILE_RULES[problem.profile].uploadWaitsForParentUpload;

  // Wall times (performance.now()) of each task's finish (FT^UE or FT^dl) and upload finish (FT^ul).
  const finished: Promise<number>[] = new Array<Promise<number>>(n);
  const uploaded: Promise<number>[] = new Array<Promise<number>>(n);
  const wall: { ue?: Interval; uplink?: Interval; result?: ReceivedResult }[] = Array.from(
    { length: n },
    () => ({}),
  );
  let cpuFree: Promise<unknown> = Promise.resolve();
  let uplinkFree: Promise<unknown> = Promise.resolve();
  const t0 = performance.now();
  for (const i of order) {
    const parents = dag.parents[i];
    if (plan[i] === LOCAL) {
      const ready = Promise.all([cpuFree, ...parents.map((j) => finished[j])]);
      finished[i] = ready.then(async () => {
        const start = performance.now();
        await sleepUntil(start + scale * times.local[i]);
        const finish = performance.now();
        wall[i].ue = { start, finish };
        return finish;
      });
      cpuFree = finished[i];
    } else {
      const deps = parents.map((j) => (waitForUploads && plan[j] !== LOCAL ? uploaded[j] : finished[j]));
      const result = link.expectResult(i);
      const task = dag.tasks[i];
      uploaded[i] = Promise.all([uplinkFree, ...deps]).then(async () => {
        const header = {
          task: i,
          cycles: task.cycles,
          inputBytes: Math.round(task.uploadBytes),
          resultBytes: task.resultBytes,
          uploadBytes: task.uploadBytes,
        };
        // Paced by the model's (possibly fractional) size: T^ul from system.ts, scaled.
        wall[i].uplink = await link.upload(header, scale * times.uplink[i]);
        return wall[i].uplink.finish;
      });
      uplinkFree = uploaded[i];
      finished[i] = result.then((r) => {
        const expected = Math.round(task.resultBytes);
        if (r.bytes !== expected)
          throw new InputError(
            `executor at ${options.executor}: task ${task.id} returned ${r.bytes} of ${expected} result bytes`,
          );
        wall[i].result = r;
        return r.finish;
      });
    }
    // Awaited below through Promise.all; these keep an early failure from being reported as unhandled.
    finished[i].catch(() => {});
    uploaded[i]?.catch(() => {});
  }

  let last: number;
  try {
    last = Math.max(t0, ...(await Promise.all(finished)));
  } catch (err) {
    link.abort();
    throw err;
  }
  await link.close();

  const model = (t: number): number => (t - t0) / scale;
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
    executor: options.executor,
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
