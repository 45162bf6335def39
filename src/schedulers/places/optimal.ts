/**
 * Optimal over several places: exact branch-and-bound over the P^n plans, tasks decided in rank order,
 * for any objective. The first incumbent is the best of HEFT and HEFT-rollout at depths 1 and 2; at each node every
 * child is bounded and searched in order of its bound, and a child is pruned when its bound reaches the
 * incumbent.
 *
 * The bound is the objective of a lower bound on the makespan and one on the energy, which is a lower
 * bound on the objective because every objective is non-decreasing in both:
 *  - makespan: the makespan so far; each undecided task's earliest finish at its best place, through
 *    the DAG (a path bound that starts each resource no earlier than it is free now, since resources
 *    serve tasks in the order they are added); and a load bound: every undecided task needs the device
 *    for its local time or a wireless uplink for its upload time, which cannot all fit before T unless
 *    the device's and the uplinks' free time before T covers the least of them;
 *  - energy: the energy so far plus each undecided task's least energy over the places (idle power,
 *    never negative, is left out of the bound).
 * Those bounds are weaker than the two-place Optimal's (schedulers/optimal.ts), which stays the solver
 * of the paper's system under the latency objective; a test holds the two equal there.
 */
import { objectiveValue } from '../../mec/places/objective.js';
import { objectiveNow, type PlacementProblem } from '../../mec/places/problem.js';
import { DEVICE } from '../../mec/places/simulator.js';
import {
  placeHeft,
  placementResult,
  type PlacementResult,
  type PlacementScheduleOptions,
} from './heuristics.js';
import { placeRolloutPlan } from './rollout.js';

/**
 * The largest DAGs whose first incumbent tries a rollout (P·n²/2 steps) and a depth-2 rollout
 * (about P²·n³/6 steps: milliseconds at n = 20 with five places); above them, HEFT's plan.
 */
const ROLLOUT_INCUMBENT_MAX_TASKS = 300;
const DEEP_ROLLOUT_INCUMBENT_MAX_TASKS = 60;
/** Nodes between looks at the clock. */
const TIME_CHECK_NODES = 1024;
/** A child is pruned when its bound is within this (relative to the incumbent's size) of it. */
const TIE = 1e-12;

export function solvePlacementOptimal(
  problem: PlacementProblem,
  options: PlacementScheduleOptions = {},
): PlacementResult {
  const started = performance.now();
  const deadline = options.timeLimitMs !== undefined ? started + options.timeLimitMs : Infinity;
  let first = placeHeft.schedule(problem);
  for (const [depth, most] of [
    [1, ROLLOUT_INCUMBENT_MAX_TASKS],
    [2, DEEP_ROLLOUT_INCUMBENT_MAX_TASKS],
  ] as const)
    if (problem.order.length <= most) {
      const r = placeRolloutPlan(problem, depth);
      if (r.objective < first.objective) first = r;
    }
  const search = new PlaceSearch(problem, first.plan, first.objective, deadline);
  search.run();
  return placementResult('optimal', problem, search.bestPlan, {
    nodes: search.nodes,
    proven: search.proven,
    timeMs: performance.now() - started,
  });
}

class PlaceSearch {
  readonly bestPlan: Uint8Array;
  best: number;
  nodes = 0;
  proven = false;
  private timedOut = false;
  private readonly n: number;
  private readonly P: number;
  private readonly order: readonly number[];
  private readonly plan: Uint8Array;
  /** Per depth: the saved state, the children's bounds and their order. */
  private readonly saved: Float64Array[];
  private readonly bounds: Float64Array[];
  private readonly tried: Int32Array[];
  /** Per position m: the least energy of order[m..], and of the least device-or-uplink time. */
  private readonly energyTail: Float64Array;
  private readonly loadTail: Float64Array;
  /** Scratch of the path bound, per task: result on the device, and the earliest dependency for an upload. */
  private readonly onDevice: Float64Array;
  private readonly dep: Float64Array;
  private readonly frees: Float64Array;
  /** Each task's position in the rank order. */
  private readonly position: Int32Array;
  private readonly needMakespan: boolean;
  /** qoe's a = λ_t / T_local and b = λ_e / E_local (0 for the other objectives), and each task's least energy. */
  private readonly penaltyA: number;
  private readonly penaltyB: number;
  private readonly leastEnergy: Float64Array;
  /** Set by pathBound: the largest over undecided tasks of min_p a·f_p + b·(e_p − e_min). */
  private penalised = 0;
  private readonly needEnergy: boolean;

  constructor(
    private readonly problem: PlacementProblem,
    incumbent: Uint8Array,
    value: number,
    private readonly deadline: number,
  ) {
    const n = (this.n = problem.order.length);
    const P = (this.P = problem.places.length);
    this.order = problem.order;
    this.bestPlan = Uint8Array.from(incumbent);
    this.best = value;
    this.plan = new Uint8Array(n);
    const size = problem.simulator.state.length;
    this.saved = Array.from({ length: n + 1 }, () => new Float64Array(size));
    this.bounds = Array.from({ length: n }, () => new Float64Array(P));
    this.tried = Array.from({ length: n }, () => new Int32Array(P));
    const sim = problem.simulator;
    const t = problem.times;
    this.energyTail = new Float64Array(n + 1);
    this.leastEnergy = new Float64Array(n);
    const obj = problem.objective;
    this.penaltyA =
      obj.kind === 'qoe' && problem.local.makespanMs > 0 ? obj.lambdaT / problem.local.makespanMs : 0;
    this.penaltyB =
      obj.kind === 'qoe' && problem.local.energyMj > 0 ? obj.lambdaE / problem.local.energyMj : 0;
    this.loadTail = new Float64Array(n + 1);
    for (let m = n - 1; m >= 0; m--) {
      const i = this.order[m];
      let e = sim.energyAt(i, DEVICE);
      let load = t.local[i];
      for (let p = 1; p < P; p++) {
        e = Math.min(e, sim.energyAt(i, p));
        load = Math.min(load, t.up[(p - 1) * n + i]);
      }
      this.energyTail[m] = this.energyTail[m + 1] + e;
      this.leastEnergy[i] = e;
      this.loadTail[m] = this.loadTail[m + 1] + load;
    }
    this.position = new Int32Array(n);
    this.order.forEach((i, k) => (this.position[i] = k));
    this.onDevice = new Float64Array(n);
    this.dep = new Float64Array(n);
    this.frees = new Float64Array(1 + t.links);
    const kind = problem.objective.kind;
    this.needMakespan = kind === 'latency' || (kind === 'qoe' && problem.objective.lambdaT > 0);
    this.needEnergy = kind === 'energy' || (kind === 'qoe' && problem.objective.lambdaE > 0);
  }

  run(): void {
    this.problem.simulator.reset();
    this.visit(0);
    this.proven = !this.timedOut;
  }

  private cutoff(): number {
    return this.best - TIE * (Math.abs(this.best) + 1);
  }

  private visit(k: number): void {
    if (this.timedOut) return;
    this.nodes++;
    if (this.nodes % TIME_CHECK_NODES === 0 && performance.now() > this.deadline) {
      this.timedOut = true;
      return;
    }
    const sim = this.problem.simulator;
    const i = this.order[k];
    const saved = this.saved[k];
    saved.set(sim.state);
    const bounds = this.bounds[k];
    const tried = this.tried[k];
    for (let p = 0; p < this.P; p++) {
      sim.step(i, p);
      bounds[p] = k + 1 === this.n ? objectiveNow(this.problem, this.order) : this.bound(k + 1);
      sim.state.set(saved);
      tried[p] = p;
    }
    // Best bound first; insertion sort over P children.
    for (let a = 1; a < this.P; a++) {
      const p = tried[a];
      let b = a;
      while (b > 0 && bounds[tried[b - 1]] > bounds[p]) {
        tried[b] = tried[b - 1];
        b--;
      }
      tried[b] = p;
    }
    for (let a = 0; a < this.P; a++) {
      const p = tried[a];
      if (bounds[p] >= this.cutoff()) break;
      this.plan[i] = p;
      if (k + 1 === this.n) {
        // A leaf's bound is its objective.
        this.best = bounds[p];
        this.bestPlan.set(this.plan);
        continue;
      }
      sim.step(i, p);
      this.visit(k + 1);
      sim.state.set(saved);
      if (this.timedOut) return;
    }
  }

  /** A lower bound on the objective of every completion of the tasks before position m. */
  private bound(m: number): number {
    const problem = this.problem;
    const sim = problem.simulator;
    const T = this.needMakespan ? Math.max(sim.makespan, this.pathBound(m), this.loadBound(m)) : 0;
    const E = this.needEnergy ? sim.activeEnergy + this.energyTail[m] : 0;
    const separate = objectiveValue(problem.objective, T, E, problem.local);
    if (this.penaltyA === 0 || this.penaltyB === 0) return separate;
    // qoe = a·T + b·E − λ_t − λ_e, and for each undecided task i at its place p, T ≥ f_p(i) while E ≥
    // E_LB + e_p(i) − e_min(i): so qoe ≥ min_p [a·f_p(i) + b·(e_p(i) − e_min(i))] + b·E_LB − λ_t − λ_e.
    const o = problem.objective;
    const joint = this.penalised + this.penaltyB * E - o.lambdaT - o.lambdaE;
    return joint > separate ? joint : separate;
  }

  /** The latest earliest-finish of the undecided tasks, each at its best place, through the DAG. */
  private pathBound(m: number): number {
    const sim = this.problem.simulator;
    const t = this.problem.times;
    const { start, list } = this.problem.parents;
    const n = this.n;
    const ref = sim.uploadWaitsForParentUpload;
    const queued = sim.queuedDownlink;
    const where = sim.where;
    let latest = 0;
    const wa = this.penaltyA;
    const wb = this.penaltyB;
    const penalise = wa > 0 && wb > 0;
    let penalised = 0;
    for (let k = m; k < n; k++) {
      const i = this.order[k];
      // A parent decided before m has its actual times; an undecided one its bounds.
      let localReady = sim.deviceFree;
      for (let a = start[i]; a < start[i + 1]; a++) {
        const j = list[a];
        const r = this.isDecided(j, m) ? Math.max(sim.ftLocal[j], sim.ftDown[j]) : this.onDevice[j];
        if (r > localReady) localReady = r;
      }
      const localFinish = localReady + t.local[i];
      let bestFinish = localFinish;
      const eMin = this.leastEnergy[i];
      let bestPenalised = penalise ? wa * localFinish + wb * (sim.energyAt(i, DEVICE) - eMin) : 0;
      let earliestDep = localFinish;
      for (let p = 1; p < this.P; p++) {
        const x = (p - 1) * n + i;
        const l = t.link[p];
        let ulStart = sim.uplinkFree(l);
        let cpuReady = 0;
        for (let a = start[i]; a < start[i + 1]; a++) {
          const j = list[a];
          let d: number;
          if (this.isDecided(j, m)) {
            const at = where[j];
            const dev = Math.max(sim.ftLocal[j], sim.ftDown[j]);
            d = !ref ? dev : at === DEVICE ? sim.ftLocal[j] : at === p ? sim.ftUp[j] : sim.ftDown[j];
            if (at === p && sim.ftCpu[j] > cpuReady) cpuReady = sim.ftCpu[j];
          } else d = ref ? this.dep[j] : this.onDevice[j];
          if (d > ulStart) ulStart = d;
        }
        const ulEnd = ulStart + t.up[x];
        if (ulEnd < earliestDep) earliestDep = ulEnd;
        // Each later resource no earlier than it is free now.
        let arrive = ulEnd;
        const b = t.backhaul[p];
        if (b >= 0) arrive = Math.max(ulEnd, sim.backhaulUpFree(b)) + t.bhUp[x] + t.bhLatency[p];
        const cpuFree = sim.cpuFree(p);
        let cpuStart = cpuFree > arrive ? cpuFree : arrive;
        if (cpuReady > cpuStart) cpuStart = cpuReady;
        let back = cpuStart + t.cpu[x];
        if (b >= 0) back = Math.max(back, sim.backhaulDownFree(b)) + t.bhDown[x] + t.bhLatency[p];
        if (queued && sim.downlinkFree(l) > back) back = sim.downlinkFree(l);
        const finish = back + t.down[x];
        if (finish < bestFinish) bestFinish = finish;
        if (penalise) {
          const v = wa * finish + wb * (sim.energyAt(i, p) - eMin);
          if (v < bestPenalised) bestPenalised = v;
        }
      }
      this.onDevice[i] = bestFinish;
      this.dep[i] = earliestDep;
      if (bestFinish > latest) latest = bestFinish;
      if (bestPenalised > penalised) penalised = bestPenalised;
    }
    this.penalised = penalised;
    return latest;
  }

  /** Tasks before position m are decided. */
  private isDecided(j: number, m: number): boolean {
    return this.position[j] < m;
  }

  /**
   * The least T at which the device's and the uplinks' time after they are free covers the undecided
   * tasks' least device-or-uplink time (water-filling; every such task needs one of them).
   */
  private loadBound(m: number): number {
    const need = this.loadTail[m];
    if (need <= 0) return 0;
    const sim = this.problem.simulator;
    const f = this.frees;
    f[0] = sim.deviceFree;
    for (let l = 1; l < f.length; l++) f[l] = sim.uplinkFree(l - 1);
    f.sort();
    // Raise the water level T over the sorted free times until the area reaches `need`.
    let area = 0;
    for (let r = 1; r <= f.length; r++) {
      const next = r < f.length ? f[r] : Infinity;
      const room = (next - f[r - 1]) * r;
      if (area + room >= need) return f[r - 1] + (need - area) / r;
      area += room;
    }
    return 0;
  }
}
