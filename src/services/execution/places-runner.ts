/**
 * Runs a plan over several edge servers for real: one executor (`mrlco executor`) per server, each
 * with its own session, wireless link and VM. Local tasks hold the device's CPU; an offloaded task's
 * input crosses the socket to its server's executor, paced at that server's uplink rate, runs on its
 * VM, and its result comes back at that server's downlink rate.
 *
 * The runner follows the several-place model (mec/places/simulator.ts) with real waits: the device's
 * CPU and each server's uplink serve tasks first in, first out in the plan's order, and each executor
 * serves its VM and downlink the same way. The dependencies are the model's, by where a parent ran:
 *  - on the device a task waits for each parent's result there;
 *  - an upload waits, in `paper`, for each parent's result on the device; in `reference`, for a local
 *    parent's finish, the upload of a parent at the same server and the result of a parent elsewhere.
 * The cloud has no executor yet: a plan that uses it is refused.
 */
import { performance } from 'node:perf_hooks';
import { placeTimeline, type PlacementProblem } from '../../mec/places/problem.js';
import { DEVICE, type PlaceInterval } from '../../mec/places/simulator.js';
import { PROFILE_RULES } from '../../mec/profiles.js';
import { InputError } from '../../util/errors.js';
import { EdgeLink, type ReceivedResult } from './edge-link.js';
import { sleepUntil } from './pacing.js';

export interface PlacesRunOptions {
  /** Each server's executor, HOST:PORT, by server name. */
  executors: Readonly<Record<string, string>>;
  /** Wall time per model time; undefined: the first executor's --time-scale (the others are told it). */
  timeScale?: number;
  connectTimeoutMs?: number;
}

export interface PlacesMeasuredTask {
  index: number;
  place: string;
  predictedFinish: number;
  measuredFinish: number;
  measuredUplink?: PlaceInterval;
}

export interface PlacesRunResult {
  profile: PlacementProblem['profile'];
  timeScale: number;
  predictedMakespanMs: number;
  measuredMakespanMs: number;
  relativeError: number;
  wallMs: number;
  /** Bytes each server's executor received and sent back. */
  bytes: Record<string, { up: number; down: number }>;
  tasks: PlacesMeasuredTask[];
}

export async function runPlacesOnExecutors(
  problem: PlacementProblem,
  plan: Uint8Array,
  order: readonly number[],
  options: PlacesRunOptions,
): Promise<PlacesRunResult> {
  const { spec, dag, times } = problem;
  const n = dag.tasks.length;
  if (plan.length !== n || order.length !== n)
    throw new InputError(`the plan and the order must cover the DAG's ${n} tasks`);
  const S = spec.servers.length;
  if (plan.some((p) => p > S))
    throw new InputError(
      `the plan sends tasks to the cloud, which has no executor yet: run plans over the device and the servers (${spec.servers.map((s) => s.name).join(', ')})`,
    );
  const used = [...new Set(Array.from(plan).filter((p) => p !== DEVICE))].sort((a, b) => a - b);
  for (const p of used)
    if (options.executors[spec.servers[p - 1].name] === undefined)
      throw new InputError(
        `the plan offloads to ${spec.servers[p - 1].name}, which has no executor: add ${spec.servers[p - 1].name}=HOST:PORT to --executors`,
      );
  // One session per server the plan uses, all at one time scale.
  const links = new Map<number, EdgeLink>();
  let scale = options.timeScale;
  try {
    for (const p of used) {
      const server = spec.servers[p - 1];
      const link = await EdgeLink.open({
        address: options.executors[server.name],
        profile: problem.profile,
        downlinkBps: server.downMbps * 1e6,
        vmHz: (server.ghz * 1e9) / server.users,
        ...(scale !== undefined ? { timeScale: scale } : {}),
        ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      });
      links.set(p, link);
      scale ??= link.timeScale;
    }
  } catch (err) {
    for (const link of links.values()) link.abort();
    throw err;
  }
  const timeScale = scale ?? 1;
  const waitForUploads = PROFILE_RULES[problem.profile].uploadWaitsForParentUpload;
  const finished = new Array<Promise<number>>(n);
  const uploaded = new Array<Promise<number>>(n);
  const wallUp: (PlaceInterval | undefined)[] = new Array(n);
  let cpuFree: Promise<unknown> = Promise.resolve();
  const uplinkFree = new Map<number, Promise<unknown>>(used.map((p) => [p, Promise.resolve()]));
  const t0 = performance.now();
  for (const i of order) {
    const p = plan[i];
    const parents = dag.parents[i];
    if (p === DEVICE) {
      const ready = Promise.all([cpuFree, ...parents.map((j) => finished[j])]);
      finished[i] = ready.then(async () => {
        await sleepUntil(performance.now() + timeScale * times.local[i]);
        return performance.now();
      });
      cpuFree = finished[i];
    } else {
      const link = links.get(p)!;
      const x = (p - 1) * n + i;
      const deps = parents.map((j) => (waitForUploads && plan[j] === p ? uploaded[j] : finished[j]));
      const result: Promise<ReceivedResult> = link.expectResult(i);
      const task = dag.tasks[i];
      uploaded[i] = Promise.all([uplinkFree.get(p), ...deps]).then(async () => {
        wallUp[i] = await link.upload(
          {
            task: i,
            cycles: task.cycles,
            inputBytes: Math.round(task.uploadBytes),
            resultBytes: task.resultBytes,
            uploadBytes: task.uploadBytes,
          },
          timeScale * times.up[x],
        );
        return wallUp[i]!.finish;
      });
      uplinkFree.set(p, uploaded[i]);
      finished[i] = result.then((r) => {
        if (r.bytes !== Math.round(task.resultBytes))
          throw new InputError(
            `executor of ${spec.servers[p - 1].name}: task ${task.id} returned ${r.bytes} of ${Math.round(task.resultBytes)} result bytes`,
          );
        return r.finish;
      });
    }
    finished[i].catch(() => {});
    uploaded[i]?.catch(() => {});
  }
  let ends: number[];
  try {
    ends = await Promise.all(finished);
  } catch (err) {
    for (const link of links.values()) link.abort();
    throw err;
  }
  for (const link of links.values()) await link.close();
  const model = (t: number) => (t - t0) / timeScale;
  const predicted = placeTimeline(problem, plan, order);
  const measuredMakespanMs = model(Math.max(t0, ...ends));
  const predictedMakespanMs = problem.simulator.makespan;
  return {
    profile: problem.profile,
    timeScale,
    predictedMakespanMs,
    measuredMakespanMs,
    relativeError: predictedMakespanMs > 0 ? measuredMakespanMs / predictedMakespanMs - 1 : 0,
    wallMs: Math.max(t0, ...ends) - t0,
    bytes: Object.fromEntries(
      used.map((p) => [
        spec.servers[p - 1].name,
        { up: links.get(p)!.bytesUp, down: links.get(p)!.bytesDown },
      ]),
    ),
    tasks: predicted.map((t) => ({
      index: t.index,
      place: problem.places[t.place],
      predictedFinish: t.finish,
      measuredFinish: model(ends[t.index]),
      ...(wallUp[t.index]
        ? { measuredUplink: { start: model(wallUp[t.index]!.start), finish: model(wallUp[t.index]!.finish) } }
        : {}),
    })),
  };
}
