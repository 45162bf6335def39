/**
 * The latency model of Sec. 3 over any number of places (system-spec.ts): the device's CPU, each
 * server's wireless uplink, VM and downlink, and the cloud's backhaul, all queued resources that serve
 * tasks in the order they are added. With one server it is the paper's model, step for step and to the
 * bit (mec/simulator.ts, which stays the fast two-place kernel; a test holds them equal).
 *
 * The profiles' rules, generalised by where a parent ran:
 *  - a task on the device waits for each parent's result on the device (FT^UE or FT^dl);
 *  - an upload waits, in the `paper` profile, for each parent's result on the device; in the
 *    `reference` profile, for a local parent's FT^UE, for the upload of a parent at the same place
 *    (its data is there) and for the result on the device of a parent elsewhere (it must come back);
 *  - a remote CPU starts after the task's input has arrived and after each parent at the same place;
 *  - a result is downloaded on the place's wireless link, queued in `paper`, not in `reference`.
 * Backhaul transfers are always queued. The makespan is the latest finish of any task.
 *
 * It also keeps the device's energy (times.ts), and state is one array, so a branch saves and restores
 * it with one copy.
 *
 * A server's wireless link may have a capacity path each way (a replayed trace: world/place-world.ts):
 * a transfer then ends when the path has carried its bytes, and its energy is the transfer's actual time
 * at the radio's power. Without paths every stage lasts its PlaceTimes duration.
 */
/** One server's wireless link as it happens: a capacity path per direction, or null (constant). */
export interface LinkPaths {
  readonly uplink: CapacityPath | null;
  readonly downlink: CapacityPath | null;
}

import type { CapacityPath } from '../capacity.js';
import type { ParentIndex } from '../simulator.js';
import { PROFILE_RULES, type SimProfile } from '../profiles.js';
import type { PlaceTimes } from './times.js';

export const DEVICE = 0;

export interface PlaceInterval {
  start: number;
  finish: number;
}

/** Where a task ran and when each of its stages held its resource. */
export interface PlaceTaskTimeline {
  index: number;
  place: number;
  local?: PlaceInterval;
  uplink?: PlaceInterval;
  backhaulUp?: PlaceInterval;
  cpu?: PlaceInterval;
  backhaulDown?: PlaceInterval;
  downlink?: PlaceInterval;
  finish: number;
  /** The device's energy for this task, mJ. */
  energyMj: number;
}

export class PlaceSimulator {
  readonly n: number;
  readonly places: number;
  readonly uploadWaitsForParentUpload: boolean;
  readonly queuedDownlink: boolean;
  /**
   * Every resource's free time, then the makespan and the active energy: [device, uplinks…,
   * downlinks…, remote CPUs…, backhauls up…, backhauls down…, makespan, energy].
   */
  readonly state: Float64Array;
  private readonly UL: number;
  private readonly DL: number;
  private readonly CPU: number;
  private readonly BHU: number;
  private readonly BHD: number;
  private readonly MS: number;
  private readonly EN: number;
  // Per task: its place, and its stages' starts and finishes (0 where it did not go).
  readonly where: Uint8Array;
  readonly ftLocal: Float64Array;
  readonly ftUp: Float64Array;
  readonly ftCpu: Float64Array;
  readonly ftDown: Float64Array;
  readonly stLocal: Float64Array;
  readonly stUp: Float64Array;
  readonly stBhUp: Float64Array;
  readonly arrive: Float64Array;
  readonly stCpu: Float64Array;
  readonly stBhDown: Float64Array;
  readonly back: Float64Array;
  readonly stDown: Float64Array;
  /** Per server link: its paths, or null when every link is constant (the model). */
  private links: readonly LinkPaths[] | null = null;

  constructor(
    readonly times: PlaceTimes,
    readonly parents: ParentIndex,
    readonly profile: SimProfile,
  ) {
    const n = (this.n = times.n);
    this.places = times.places;
    const rules = PROFILE_RULES[profile];
    this.uploadWaitsForParentUpload = rules.uploadWaitsForParentUpload;
    this.queuedDownlink = rules.queuedDownlink;
    const L = times.links;
    const B = times.backhauls;
    this.UL = 1;
    this.DL = 1 + L;
    this.CPU = 1 + 2 * L;
    this.BHU = this.CPU + (times.places - 1);
    this.BHD = this.BHU + B;
    this.MS = this.BHD + B;
    this.EN = this.MS + 1;
    this.state = new Float64Array(this.EN + 1);
    this.where = new Uint8Array(n);
    const f = () => new Float64Array(n);
    this.ftLocal = f();
    this.ftUp = f();
    this.ftCpu = f();
    this.ftDown = f();
    this.stLocal = f();
    this.stUp = f();
    this.stBhUp = f();
    this.arrive = f();
    this.stCpu = f();
    this.stBhDown = f();
    this.back = f();
    this.stDown = f();
  }

  reset(): void {
    this.state.fill(0);
  }

  /** Sets (or, with null, removes) the links' capacity paths, one entry per server. */
  setLinkPaths(links: readonly LinkPaths[] | null): void {
    if (links && links.length !== this.times.links)
      throw new RangeError(`expected paths for ${this.times.links} links, got ${links.length}`);
    this.links = links;
  }

  get makespan(): number {
    return this.state[this.MS];
  }

  /** The device's energy so far without idle power, mJ (see `energyOf` for the total). */
  get activeEnergy(): number {
    return this.state[this.EN];
  }

  /** The device's free time. */
  get deviceFree(): number {
    return this.state[0];
  }

  uplinkFree(link: number): number {
    return this.state[this.UL + link];
  }

  downlinkFree(link: number): number {
    return this.state[this.DL + link];
  }

  backhaulUpFree(b: number): number {
    return this.state[this.BHU + b];
  }

  backhaulDownFree(b: number): number {
    return this.state[this.BHD + b];
  }

  cpuFree(place: number): number {
    return this.state[this.CPU + place - 1];
  }

  /** The device energy of task i at place p, mJ. */
  energyAt(i: number, p: number): number {
    const t = this.times;
    return p === DEVICE ? t.energyLocal[i] : t.energyRemote[(p - 1) * t.n + i];
  }

  /** When task i would finish at place p now, without adding it. */
  finishAt(i: number, p: number): number {
    return this.place(i, p, false);
  }

  /** Adds task i at place p; returns its finish. */
  step(i: number, p: number): number {
    return this.place(i, p, true);
  }

  private place(i: number, p: number, commit: boolean): number {
    const s = this.state;
    const t = this.times;
    const { start, list } = this.parents;
    let finish: number;
    if (p === DEVICE) {
      let ready = s[0];
      for (let k = start[i]; k < start[i + 1]; k++) {
        const j = list[k];
        const r = this.ftLocal[j] > this.ftDown[j] ? this.ftLocal[j] : this.ftDown[j];
        if (r > ready) ready = r;
      }
      finish = ready + t.local[i];
      if (commit) {
        this.where[i] = DEVICE;
        this.stLocal[i] = ready;
        this.ftLocal[i] = finish;
        this.ftUp[i] = this.ftCpu[i] = this.ftDown[i] = 0;
        s[0] = finish;
        s[this.EN] += t.energyLocal[i];
      }
    } else {
      const x = (p - 1) * t.n + i;
      const l = t.link[p];
      const ref = this.uploadWaitsForParentUpload;
      let ulStart = s[this.UL + l];
      let cpuReady = 0;
      for (let k = start[i]; k < start[i + 1]; k++) {
        const j = list[k];
        const at = this.where[j];
        const onDevice = this.ftLocal[j] > this.ftDown[j] ? this.ftLocal[j] : this.ftDown[j];
        const dep = !ref
          ? onDevice
          : at === DEVICE
            ? this.ftLocal[j]
            : at === p
              ? this.ftUp[j]
              : this.ftDown[j];
        if (dep > ulStart) ulStart = dep;
        if (at === p && this.ftCpu[j] > cpuReady) cpuReady = this.ftCpu[j];
      }
      const paths = this.links?.[l];
      const ulEnd = paths?.uplink ? paths.uplink.finish(ulStart, t.uploadBytes[i]) : ulStart + t.up[x];
      const b = t.backhaul[p];
      let arrive = ulEnd;
      let bhUpStart = 0;
      if (b >= 0) {
        bhUpStart = s[this.BHU + b] > ulEnd ? s[this.BHU + b] : ulEnd;
        arrive = bhUpStart + t.bhUp[x] + t.bhLatency[p];
      }
      const cpuFree = s[this.CPU + p - 1];
      let cpuStart = cpuFree > arrive ? cpuFree : arrive;
      if (cpuReady > cpuStart) cpuStart = cpuReady;
      const cpuEnd = cpuStart + t.cpu[x];
      let back = cpuEnd;
      let bhDownStart = 0;
      if (b >= 0) {
        bhDownStart = s[this.BHD + b] > cpuEnd ? s[this.BHD + b] : cpuEnd;
        back = bhDownStart + t.bhDown[x] + t.bhLatency[p];
      }
      const dlFree = s[this.DL + l];
      const dlStart = !this.queuedDownlink || back > dlFree ? back : dlFree;
      finish = paths?.downlink ? paths.downlink.finish(dlStart, t.resultBytes[i]) : dlStart + t.down[x];
      if (commit) {
        this.where[i] = p;
        this.ftLocal[i] = 0;
        this.stUp[i] = ulStart;
        this.ftUp[i] = ulEnd;
        this.stBhUp[i] = bhUpStart;
        this.arrive[i] = arrive;
        this.stCpu[i] = cpuStart;
        this.ftCpu[i] = cpuEnd;
        this.stBhDown[i] = bhDownStart;
        this.back[i] = back;
        this.stDown[i] = dlStart;
        this.ftDown[i] = finish;
        s[this.UL + l] = ulEnd;
        s[this.CPU + p - 1] = cpuEnd;
        if (b >= 0) {
          s[this.BHU + b] = bhUpStart + t.bhUp[x];
          s[this.BHD + b] = bhDownStart + t.bhDown[x];
        }
        if (this.queuedDownlink) s[this.DL + l] = finish;
        s[this.EN] += paths
          ? t.transmitW * (ulEnd - ulStart) + t.receiveW * (finish - dlStart)
          : t.energyRemote[x];
      }
    }
    if (commit && finish > s[this.MS]) s[this.MS] = finish;
    return finish;
  }

  /** Makespan of a whole plan (plan[i] = place of task i), tasks added in `order`. */
  run(order: ArrayLike<number>, plan: ArrayLike<number>): number {
    this.reset();
    for (let k = 0; k < order.length; k++) this.step(order[k], plan[order[k]]);
    return this.makespan;
  }

  /**
   * The device's energy of the tasks added so far, with idle power over the time before the makespan
   * when it neither computes, transmits nor receives (the union of those intervals), mJ.
   */
  totalEnergy(added: ArrayLike<number>): number {
    const idleW = this.times.idleW;
    if (idleW === 0) return this.activeEnergy;
    const spans: [number, number][] = [];
    for (let k = 0; k < added.length; k++) {
      const i = added[k];
      if (this.where[i] === DEVICE) spans.push([this.stLocal[i], this.ftLocal[i]]);
      else {
        spans.push([this.stUp[i], this.ftUp[i]]);
        spans.push([this.stDown[i], this.ftDown[i]]);
      }
    }
    spans.sort((a, b) => a[0] - b[0]);
    let busy = 0;
    let end = -Infinity;
    for (const [a, b] of spans) {
      if (b <= end) continue;
      busy += b - (a > end ? a : end);
      end = b;
    }
    return this.activeEnergy + idleW * Math.max(0, this.makespan - busy);
  }

  /** Task i's intervals as last added. */
  timelineOf(i: number): PlaceTaskTimeline {
    const p = this.where[i];
    if (p === DEVICE)
      return {
        index: i,
        place: p,
        local: { start: this.stLocal[i], finish: this.ftLocal[i] },
        finish: this.ftLocal[i],
        energyMj: this.energyAt(i, p),
      };
    const t = this.times;
    const x = (p - 1) * t.n + i;
    const cloud = t.backhaul[p] >= 0;
    return {
      index: i,
      place: p,
      uplink: { start: this.stUp[i], finish: this.ftUp[i] },
      ...(cloud ? { backhaulUp: { start: this.stBhUp[i], finish: this.stBhUp[i] + t.bhUp[x] } } : {}),
      cpu: { start: this.stCpu[i], finish: this.ftCpu[i] },
      ...(cloud ? { backhaulDown: { start: this.stBhDown[i], finish: this.stBhDown[i] + t.bhDown[x] } } : {}),
      downlink: { start: this.stDown[i], finish: this.ftDown[i] },
      finish: this.ftDown[i],
      energyMj: this.links?.[t.link[p]]
        ? t.transmitW * (this.ftUp[i] - this.stUp[i]) + t.receiveW * (this.ftDown[i] - this.stDown[i])
        : this.energyAt(i, p),
    };
  }
}
