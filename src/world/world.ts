/**
 * A world made from its specification: the resources a plan meets (docs/world.md). `World` holds what
 * every DAG shares (the traces, the Markov law, the load, the nominal system a belief starts from);
 * `WorldInstance` is one DAG in it, with a simulator whose dynamics are one realisation at a time.
 *
 * A realisation is a pure function of (seed, DAG index, realisation index): the trace offset, the
 * Markov channel's and the server's futures, each transfer's set-up time and each task's actual work
 * are drawn up front from that stream (the channel and the load from seeds drawn there), so every
 * method meets the same realisations (common random numbers), whatever it reads of them.
 */
import type { Dag } from '../dag/dag.js';
import type { Dynamics, ResourcePaths, TaskWork } from '../mec/capacity.js';
import type { OffloadingProblem } from '../mec/problem.js';
import { LatencySimulator } from '../mec/simulator.js';
import { taskTimes, vmHz, type SystemParams, type TaskTimes } from '../mec/system.js';
import { InputError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { MAX_WORLD_REALISATIONS, streamRng } from '../util/rng-streams.js';
import { MarkovStates, meanRates } from './markov.js';
import { exponential, TracePath, type GeneratedPath } from './paths.js';
import { ServerLoad } from './server-load.js';
import { isStatic, type WorldSpec } from './spec.js';
import { readTrace, type LinkTrace } from './trace.js';

/** Realisations per DAG an index can address (the bound of `--episodes`). */
export const MAX_REALISATIONS = MAX_WORLD_REALISATIONS;
/** The window over which a trace's "current" rate is its recent mean (the true-state reference), ms. */
export const CURRENT_RATE_WINDOW_MS = 100;

export class World {
  readonly static: boolean;
  readonly uplinkTrace?: LinkTrace;
  readonly downlinkTrace?: LinkTrace;
  /** Bytes per opportunity × this (`meanMbps`), 1 without it. */
  readonly traceScale: number;
  /**
   * The system a belief starts from: the true one, with each link's rate its time average (a trace's
   * mean after scaling, a Markov channel's stationary mean) or the specification's `nominalMbps`.
   * The paper's up-front plan uses it.
   */
  readonly nominal: SystemParams;

  constructor(
    readonly spec: WorldSpec,
    /** The true system's constant parts (f_UE, f_s, k) and the rates of links without dynamics. */
    readonly system: SystemParams,
  ) {
    this.static = isStatic(spec);
    const links = spec.links;
    let up = system.uplinkBps;
    let down = system.downlinkBps;
    let scale = 1;
    if (links?.kind === 'trace') {
      if (links.uplink) this.uplinkTrace = readTrace(links.uplink, links.format);
      if (links.downlink) this.downlinkTrace = readTrace(links.downlink, links.format);
      const reference = this.uplinkTrace ?? this.downlinkTrace!;
      if (reference.totalBytes <= 0)
        throw InputError.inFile(reference.name, 'the trace never delivers anything');
      if (links.meanMbps !== undefined) scale = links.meanMbps / reference.meanMbps;
      if (this.uplinkTrace) up = this.uplinkTrace.meanMbps * scale * 1e6;
      if (this.downlinkTrace) {
        if (this.downlinkTrace.totalBytes <= 0)
          throw InputError.inFile(this.downlinkTrace.name, 'the trace never delivers anything');
        down = this.downlinkTrace.meanMbps * scale * 1e6;
      }
    } else if (links?.kind === 'markov') {
      const mean = meanRates(links);
      up = mean.upMbps * 1e6;
      down = mean.downMbps * 1e6;
    }
    this.traceScale = scale;
    if (links?.kind === 'trace' && links.segmentS) {
      const period = Math.min(
        this.uplinkTrace?.periodMs ?? Infinity,
        this.downlinkTrace?.periodMs ?? Infinity,
      );
      if (links.segmentS[1] * 1e3 > period)
        throw new InputError(
          `the world's trace segment [${links.segmentS.join(', ')}] s ends after the traces (${period / 1e3} s)`,
        );
    }
    if (spec.nominalMbps) {
      up = spec.nominalMbps.up * 1e6;
      down = spec.nominalMbps.down * 1e6;
    }
    this.nominal = { ...system, uplinkBps: up, downlinkBps: down };
  }

  /**
   * Offsets are drawn uniformly (whole ms) in [from, to): the traces' segment, or by default below the
   * shorter trace's period, so that both directions replay recorded time, not a wrapped one ([0, 0)
   * without traces).
   */
  get offsetRangeMs(): [number, number] {
    const up = this.uplinkTrace?.periodMs ?? Infinity;
    const down = this.downlinkTrace?.periodMs ?? Infinity;
    const period = Math.min(up, down);
    if (period === Infinity) return [0, 0];
    const links = this.spec.links;
    const segment = links?.kind === 'trace' ? links.segmentS : undefined;
    return segment ? [segment[0] * 1e3, segment[1] * 1e3] : [0, period];
  }

  /** A plain description for outputs (what the makespans were measured in). */
  describe(): Record<string, unknown> {
    return {
      ...(this.spec.name !== undefined ? { name: this.spec.name } : {}),
      spec: this.spec,
      nominalMbps: { up: this.nominal.uplinkBps / 1e6, down: this.nominal.downlinkBps / 1e6 },
      ...(this.uplinkTrace || this.downlinkTrace
        ? {
            traces: {
              scale: this.traceScale,
              ...(this.uplinkTrace ? { uplink: traceSummary(this.uplinkTrace) } : {}),
              ...(this.downlinkTrace ? { downlink: traceSummary(this.downlinkTrace) } : {}),
            },
          }
        : {}),
    };
  }

  /** DAG `dagIndex` of a run (its realisations' streams) in this world, ordered as `problem`. */
  instance(problem: OffloadingProblem, dagIndex: number, seed: number): WorldInstance {
    return new WorldInstance(this, problem, dagIndex, seed);
  }
}

function traceSummary(t: LinkTrace): Record<string, unknown> {
  return { file: t.name, format: t.format, periodS: t.periodMs / 1e3, meanMbps: t.meanMbps };
}

/** What a realisation drew: enough to re-run it (`evaluate --world --seed --offset`). */
export interface RealisationInfo {
  dag: number;
  realisation: number;
  offsetMs: number;
}

export class WorldInstance {
  /** The world's simulator: the true durations of constant resources, the paths of the others. */
  readonly sim: LatencySimulator;
  /** The true system's task durations without set-up time or noise. */
  private readonly base: TaskTimes;
  private readonly times: TaskTimes;
  private readonly work: TaskWork;
  private readonly dynamics: Dynamics | null;
  private readonly uplinkPath: TracePath | GeneratedPath | null = null;
  private readonly downlinkPath: TracePath | GeneratedPath | null = null;
  private readonly markov?: MarkovStates;
  private readonly load?: ServerLoad;
  /** Per-task noise factors drawn once (noise per task). */
  private readonly taskNoise?: Float64Array;
  offsetMs = 0;
  realisation = -1;

  constructor(
    readonly world: World,
    readonly problem: OffloadingProblem,
    readonly dagIndex: number,
    readonly seed: number,
  ) {
    const dag = problem.dag;
    const n = dag.tasks.length;
    this.base = taskTimes(dag, world.system);
    this.times = {
      local: Float64Array.from(this.base.local),
      uplink: Float64Array.from(this.base.uplink),
      mec: Float64Array.from(this.base.mec),
      downlink: Float64Array.from(this.base.downlink),
    };
    this.work = nominalWork(dag);
    const spec = world.spec;
    if (spec.links?.kind === 'trace') {
      if (world.uplinkTrace) this.uplinkPath = new TracePath(world.uplinkTrace, world.traceScale);
      if (world.downlinkTrace) this.downlinkPath = new TracePath(world.downlinkTrace, world.traceScale);
    } else if (spec.links?.kind === 'markov') {
      this.markov = new MarkovStates(spec.links, new Rng(0));
      this.uplinkPath = this.markov.uplink;
      this.downlinkPath = this.markov.downlink;
    }
    if (spec.server && spec.server.arrivalsPerS > 0)
      this.load = new ServerLoad(spec.server, world.system.serverHz, world.system.users, new Rng(0));
    if (spec.noise && spec.noise.sigma > 0 && spec.noise.per === 'task') {
      const rng = streamRng(seed, 'worldTaskNoise', dagIndex);
      this.taskNoise = Float64Array.from({ length: 3 * n }, () => logNormal(rng, spec.noise!.sigma));
    }
    const paths: ResourcePaths = {
      ue: null,
      uplink: this.uplinkPath,
      mec: this.load?.path ?? null,
      downlink: this.downlinkPath,
    };
    this.dynamics = paths.uplink || paths.mec || paths.downlink ? { paths, work: this.work } : null;
    this.sim = new LatencySimulator(this.times, problem.parents, problem.profile);
    this.sim.setDynamics(this.dynamics);
  }

  /** Draws realisation r (see the file's comment); `offsetMs` overrides the drawn trace offset. */
  realise(r: number, override: { offsetMs?: number } = {}): RealisationInfo {
    if (!Number.isInteger(r) || r < 0 || r >= MAX_REALISATIONS)
      throw new RangeError(`realisation ${r} outside [0, ${MAX_REALISATIONS})`);
    const rng = streamRng(this.seed, 'worldRealisation', this.dagIndex * MAX_REALISATIONS + r);
    this.drawFrom(rng, override.offsetMs);
    this.realisation = r;
    return { dag: this.dagIndex, realisation: r, offsetMs: this.offsetMs };
  }

  /** Draws a realisation from an arbitrary stream (the identified model's history episodes). */
  drawFrom(rng: Rng, offsetMs?: number): void {
    const [from, to] = this.world.offsetRangeMs;
    const drawn = to > from ? from + Math.floor(rng.next() * (to - from)) : 0;
    this.offsetMs = offsetMs ?? drawn;
    if (this.uplinkPath instanceof TracePath) this.uplinkPath.offsetMs = this.offsetMs;
    if (this.downlinkPath instanceof TracePath) this.downlinkPath.offsetMs = this.offsetMs;
    const markovSeed = rng.nextUint32();
    const loadSeed = rng.nextUint32();
    this.markov?.restart(new Rng(markovSeed));
    this.load?.restartWith(new Rng(loadSeed));
    this.drawTasks(rng);
    this.realisation = -1;
  }

  /** Set-up times and noise: per task, its three noise factors, then its two transfers' set-up times. */
  private drawTasks(rng: Rng): void {
    const { spec } = this.world;
    const { base, times, work } = this;
    const dag = this.problem.dag;
    const n = dag.tasks.length;
    const sigma = spec.noise?.sigma ?? 0;
    const perRun = sigma > 0 && spec.noise!.per === 'run';
    const latency = spec.transferLatency?.ms ?? 0;
    const jitter = spec.transferLatency?.jitterMs ?? 0;
    for (let i = 0; i < n; i++) {
      let fc = 1;
      let fu = 1;
      let fr = 1;
      if (perRun) {
        fc = logNormal(rng, sigma);
        fu = logNormal(rng, sigma);
        fr = logNormal(rng, sigma);
      } else if (this.taskNoise) {
        fc = this.taskNoise[3 * i];
        fu = this.taskNoise[3 * i + 1];
        fr = this.taskNoise[3 * i + 2];
      }
      const lu = jitter > 0 ? latency + exponential(rng, jitter) : latency;
      const ld = jitter > 0 ? latency + exponential(rng, jitter) : latency;
      const task = dag.tasks[i];
      work.cycles[i] = task.cycles * fc;
      work.uploadBytes[i] = task.uploadBytes * fu;
      work.resultBytes[i] = task.resultBytes * fr;
      work.uplinkLatency[i] = lu;
      work.downlinkLatency[i] = ld;
      // Constant resources: the durations themselves (untouched without noise or set-up: exact).
      times.local[i] = fc === 1 ? base.local[i] : base.local[i] * fc;
      times.mec[i] = fc === 1 ? base.mec[i] : base.mec[i] * fc;
      times.uplink[i] = (fu === 1 ? base.uplink[i] : base.uplink[i] * fu) + lu;
      times.downlink[i] = (fr === 1 ? base.downlink[i] : base.downlink[i] * fr) + ld;
    }
  }

  /** The resources with a capacity path (null: constant). */
  get paths(): ResourcePaths {
    return this.dynamics?.paths ?? { ue: null, uplink: null, mec: null, downlink: null };
  }

  /** The actual work of the current realisation (bytes, cycles, set-up times). */
  get actualWork(): TaskWork {
    return this.work;
  }

  /**
   * The links' and the VM's rates "now" (the true-state reference): a Markov channel's state, a trace's
   * mean over the last CURRENT_RATE_WINDOW_MS, a constant link's rate. Bytes (cycles) per ms.
   */
  currentRates(t: number): { up: number; down: number; mec: number } {
    const sys = this.world.system;
    const rateOf = (path: TracePath | GeneratedPath | null, constantBps: number): number => {
      if (path === null) return constantBps / 8 / 1e3;
      if (path instanceof TracePath) {
        const w = CURRENT_RATE_WINDOW_MS;
        return path.served(t - w, t) / w;
      }
      return path.rateAt(t);
    };
    return {
      up: rateOf(this.uplinkPath, sys.uplinkBps),
      down: rateOf(this.downlinkPath, sys.downlinkBps),
      mec: this.load ? this.load.path.rateAt(t) : vmHz(sys) / 1e3,
    };
  }

  /** The links' capacity over [from, to] in steps of `stepMs` (Mbit/s), for charts. */
  capacitySeries(from: number, to: number, stepMs: number): { t: number; up: number; down: number }[] {
    const out: { t: number; up: number; down: number }[] = [];
    const sys = this.world.system;
    for (let t = from; t < to; t += stepMs) {
      const up = this.uplinkPath
        ? (this.uplinkPath.served(t, t + stepMs) * 8) / stepMs / 1e3
        : sys.uplinkBps / 1e6;
      const down = this.downlinkPath
        ? (this.downlinkPath.served(t, t + stepMs) * 8) / stepMs / 1e3
        : sys.downlinkBps / 1e6;
      out.push({ t, up, down });
    }
    return out;
  }

  /** Bytes a link can deliver over [from, to] (a transfer alone on it). */
  served(link: 'uplink' | 'downlink', from: number, to: number): number {
    const path = link === 'uplink' ? this.uplinkPath : this.downlinkPath;
    if (path) return path.served(from, to);
    const bps = link === 'uplink' ? this.world.system.uplinkBps : this.world.system.downlinkBps;
    return to > from ? ((to - from) * bps) / 8 / 1e3 : 0;
  }
}

/** A log-normal factor with mean 1: exp(σZ − σ²/2). */
export function logNormal(rng: Rng, sigma: number): number {
  return Math.exp(sigma * rng.normal() - (sigma * sigma) / 2);
}

/** A DAG's nominal work per task (cycles, bytes up and down), no set-up times: buffers to fill. */
export function nominalWork(dag: Dag): TaskWork {
  const n = dag.tasks.length;
  return {
    cycles: Float64Array.from(dag.tasks, (t) => t.cycles),
    uploadBytes: Float64Array.from(dag.tasks, (t) => t.uploadBytes),
    resultBytes: Float64Array.from(dag.tasks, (t) => t.resultBytes),
    uplinkLatency: new Float64Array(n),
    downlinkLatency: new Float64Array(n),
  };
}
