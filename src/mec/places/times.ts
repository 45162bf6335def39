/**
 * A DAG's durations and device energies at every place of a system, compiled once per problem.
 *
 * Remote place p (1..P−1) of task i is at index (p − 1)·n + i of the per-place arrays. A server's
 * stages are its wireless uplink, its VM and its wireless downlink (the paper's Eq. 4); the cloud's add
 * the via server's backhaul each way: held for bytes/rate, arriving `backhaulLatencyMs` later.
 *
 * Energy is the device's (DRLTO): computing power × local time, transmit power × wireless upload time,
 * receive power × wireless download time, in mJ (W × ms). The backhaul and the servers cost the device
 * nothing.
 */
import type { Dag } from '../../dag/dag.js';
import { computeWatts, placeCount, type SystemSpec } from './system-spec.js';

export interface PlaceTimes {
  readonly n: number;
  /** P: the device plus every remote place. */
  readonly places: number;
  readonly local: Float64Array;
  readonly up: Float64Array;
  readonly cpu: Float64Array;
  readonly down: Float64Array;
  /** Backhaul hold times (0 for a server). */
  readonly bhUp: Float64Array;
  readonly bhDown: Float64Array;
  /** Per place: its wireless link (a server's index; −1 for the device). */
  readonly link: Int32Array;
  /** Per place: its backhaul (0 for the cloud, −1 otherwise). */
  readonly backhaul: Int32Array;
  /** Per place: the backhaul's one-way latency, ms. */
  readonly bhLatency: Float64Array;
  readonly links: number;
  readonly backhauls: number;
  /** Device energy of each task locally (n) and at each remote place ((P − 1)·n), mJ. */
  readonly energyLocal: Float64Array;
  readonly energyRemote: Float64Array;
  /** Each task's upload and result sizes, bytes (what a link with a capacity path carries). */
  readonly uploadBytes: Float64Array;
  readonly resultBytes: Float64Array;
  /** Device idle power, W (0: waiting is free). */
  readonly idleW: number;
  readonly transmitW: number;
  readonly receiveW: number;
}

export function placeTimes(dag: Dag, spec: SystemSpec): PlaceTimes {
  const n = dag.tasks.length;
  const P = placeCount(spec);
  const R = P - 1;
  const ueHz = spec.device.ghz * 1e9;
  const t: PlaceTimes = {
    n,
    places: P,
    local: new Float64Array(n),
    up: new Float64Array(R * n),
    cpu: new Float64Array(R * n),
    down: new Float64Array(R * n),
    bhUp: new Float64Array(R * n),
    bhDown: new Float64Array(R * n),
    link: new Int32Array(P).fill(-1),
    backhaul: new Int32Array(P).fill(-1),
    bhLatency: new Float64Array(P),
    links: spec.servers.length,
    backhauls: spec.cloud ? 1 : 0,
    energyLocal: new Float64Array(n),
    energyRemote: new Float64Array(R * n),
    uploadBytes: Float64Array.from(dag.tasks, (t) => t.uploadBytes),
    resultBytes: Float64Array.from(dag.tasks, (t) => t.resultBytes),
    idleW: spec.device.power.idleW ?? 0,
    transmitW: spec.device.power.transmitW,
    receiveW: spec.device.power.receiveW,
  };
  const computeW = computeWatts(spec.device);
  const remote = spec.servers.map((s, k) => ({
    link: k,
    hz: (s.ghz * 1e9) / s.users,
    backhaul: -1,
  }));
  if (spec.cloud) {
    const via = spec.servers.findIndex((s) => s.name === spec.cloud!.via);
    remote.push({ link: via, hz: spec.cloud.ghz * 1e9, backhaul: 0 });
  }
  remote.forEach((r, k) => {
    t.link[k + 1] = r.link;
    t.backhaul[k + 1] = r.backhaul;
    if (r.backhaul >= 0) t.bhLatency[k + 1] = spec.cloud!.backhaulLatencyMs;
  });
  dag.tasks.forEach((task, i) => {
    // The same expressions as the one-server model (mec/system.ts), so that it is reproduced to the bit.
    t.local[i] = (task.cycles / ueHz) * 1e3;
    t.energyLocal[i] = computeW * t.local[i];
    remote.forEach((r, k) => {
      const s = spec.servers[r.link];
      const x = k * n + i;
      t.up[x] = ((task.uploadBytes * 8) / (s.upMbps * 1e6)) * 1e3;
      t.cpu[x] = (task.cycles / r.hz) * 1e3;
      t.down[x] = ((task.resultBytes * 8) / (s.downMbps * 1e6)) * 1e3;
      if (r.backhaul >= 0) {
        const bps = spec.cloud!.backhaulMbps * 1e6;
        t.bhUp[x] = ((task.uploadBytes * 8) / bps) * 1e3;
        t.bhDown[x] = ((task.resultBytes * 8) / bps) * 1e3;
      }
      t.energyRemote[x] = t.transmitW * t.up[x] + t.receiveW * t.down[x];
    });
  });
  return t;
}

/**
 * The time from upload start to result back at place p if nothing waited: the task's weight in the
 * upward rank (for one server, the paper's T^o = T^ul + T^s + T^dl).
 */
export function remoteChain(t: PlaceTimes, p: number, i: number): number {
  const x = (p - 1) * t.n + i;
  const w = t.up[x] + t.cpu[x] + t.down[x];
  return t.backhaul[p] < 0 ? w : w + t.bhUp[x] + t.bhDown[x] + 2 * t.bhLatency[p];
}
