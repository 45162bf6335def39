/**
 * Optimal: exact branch-and-bound over the 2^n plans, tasks decided in rank order.
 *
 * The HEFT plan, improved by single-task flips, is the first incumbent. At each node both children are
 * bounded and the one with the smaller bound is searched first. A child is pruned when an admissible lower
 * bound on the makespan of all its completions reaches the incumbent. The bounds, each valid for both
 * simulator profiles and any system parameters:
 *  - the partition bound (`PartitionTable`): the undecided tasks need either UE time or uplink time, and
 *    each side is followed by work that must come after it. The best split of every suffix of the order
 *    is tabulated once, so a node only bisects a table;
 *  - the path bound (`PathBound`): each undecided task's earliest finish through the DAG;
 *  - release bounds (`Search.releaseBound`): the partition bound of each later suffix, started when its
 *    tasks can first be ready, split on the placement of the suffix's first task.
 *
 * The partition table merges splits whose UE sides differ by less than a resolution step, which only
 * weakens it. The search starts with a coarse table. Once it has explored NODES_PER_POINT nodes per table
 * point, and if enough of the children it could not prune came within the table's error of the
 * incumbent, it restarts from the root with a four times finer table, keeping its incumbent. A finer
 * table costs more to build but prunes more. On the reference datasets, whose UE times lie on a fine grid
 * (1/512 ms at 1 GHz), the finest table is exact, which prunes the many plans that tie with the optimum.
 *
 * Bounds are sums taken in another order than the simulator's, so they may round a few ulps above the
 * makespan they bound. A child is therefore pruned when its bound reaches the incumbent less a relative
 * TIE: this can only lose an improvement smaller than that, and it prunes the many completions that tie
 * with the incumbent exactly.
 */
import type { OffloadingProblem } from '../mec/problem.js';
import { LOCAL, OFFLOAD, type LatencySimulator } from '../mec/simulator.js';
import { polishByFlips } from '../mec/local-search.js';
import { heft } from './earliest-finish.js';
import type { ScheduleOptions, Scheduler, ScheduleResult } from './scheduler.js';

/**
 * The default time limit per DAG wherever Optimal is offered (baselines, gantt, run): past it the
 * search stops and keeps the best plan found, reported as not proven.
 */
export const OPTIMAL_DEFAULT_TIME_LIMIT_S = 10;

/** Node work between looks at the clock, in tasks (a node costs about n): 4096 nodes at n = 20, 41 at n = 2000. */
const TIME_CHECK_WORK = 4096 * 20;
/** Partition table resolutions (the UE-side span over the merge step), tried in turn. */
const RESOLUTIONS = [16384, 65536, 262144, 1048576, 4194304];
/** Nodes per table point a search may explore before the next resolution is tried. */
const NODES_PER_POINT = 0.02;
/** No finer table is built once a table has this many points (16 bytes each). */
const MAX_POINTS = 4_000_000;
/** Share of near misses (see Search.visit) that makes a finer table worth building. */
const NEAR_MISS_SHARE = 0.2;
/** Relative tolerance under which a bound counts as reaching the incumbent. */
const TIE = 1e-13;

export interface OptimalStats {
  nodes: number;
  proven: boolean;
  timeMs: number;
}

export function solveOptimal(problem: OffloadingProblem, options: ScheduleOptions = {}): ScheduleResult {
  const started = performance.now();
  const deadline = options.timeLimitMs !== undefined ? started + options.timeLimitMs : Infinity;
  const first = heft.schedule(problem);
  const incumbent = Uint8Array.from(first.plan);
  // The first incumbent's polish counts against the time limit too (n² simulations: seconds at n = 2000).
  const makespan = polishByFlips(problem, incumbent, first.makespanMs, deadline);
  // With a time limit, progress is the share of it used (a proof may end the search sooner).
  const limit = options.timeLimitMs;
  const onProgress = options.onProgress;
  const tick =
    onProgress && limit !== undefined && limit > 0
      ? () => onProgress(Math.min(1, (performance.now() - started) / limit))
      : undefined;
  const search = new Search(problem, incumbent, makespan, deadline, tick);
  // Out of time already (a large DAG's polish): no table is built, the polished plan is kept, unproven.
  for (let r = 0; r < RESOLUTIONS.length && performance.now() <= deadline; r++) {
    const table = new PartitionTable(problem, search.order, search.tails, RESOLUTIONS[r], search.best);
    const last = r + 1 === RESOLUTIONS.length || table.points > MAX_POINTS;
    if (search.run(table, last ? Infinity : NODES_PER_POINT * table.points)) break;
    if (performance.now() > deadline) break;
  }
  const stats: OptimalStats = {
    nodes: search.nodes,
    proven: search.proven,
    timeMs: performance.now() - started,
  };
  return {
    scheduler: 'optimal',
    plan: search.bestPlan,
    order: problem.order,
    makespanMs: problem.simulator.run(problem.order, search.bestPlan),
    stats: { ...stats },
  };
}

export const optimal: Scheduler = {
  name: 'optimal',
  description: 'exact branch-and-bound (proven optimum unless a time limit stops it)',
  schedule: solveOptimal,
};

/** The depth-first search; `run` may be repeated with finer tables, keeping the incumbent. */
class Search {
  readonly order: Int32Array;
  readonly position: Int32Array;
  readonly bestPlan: Uint8Array;
  best: number;
  nodes = 0;
  proven = false;
  /** A child is pruned when its bound reaches this. */
  private cutoff: number;
  private timedOut = false;
  private nextTimeCheck = 1;
  private readonly timeCheckInterval: number;
  private budget = Infinity;
  private overBudget = false;
  /** Children not pruned in this run, and those of them a finer table might have pruned. */
  private explored = 0;
  private nearMisses = 0;
  private readonly n: number;
  private readonly sim: LatencySimulator;
  private readonly plan: Uint8Array;
  /** childBounds[2k + action]: the bound of the child of the current depth-k node. */
  private readonly childBounds: Float64Array;
  private readonly path: PathBound;
  /** Per position, from the path bound: the earliest local and upload starts of its task. */
  private readonly readyLocal: Float64Array;
  private readonly readyUl: Float64Array;
  /** Per position m: the smallest of the above over positions m..n−1. */
  private readonly minReadyLocal: Float64Array;
  private readonly minReadyUl: Float64Array;
  readonly tails: Tails;
  private table!: PartitionTable;

  constructor(
    private readonly problem: OffloadingProblem,
    incumbent: Uint8Array,
    makespan: number,
    private readonly deadline: number,
    private readonly tick?: () => void,
  ) {
    const n = (this.n = problem.order.length);
    this.timeCheckInterval = Math.max(1, Math.floor(TIME_CHECK_WORK / n));
    this.sim = problem.simulator;
    this.order = Int32Array.from(problem.order);
    this.position = new Int32Array(n);
    this.order.forEach((task, k) => (this.position[task] = k));
    this.bestPlan = Uint8Array.from(incumbent);
    this.best = makespan;
    this.cutoff = makespan * (1 - TIE);
    this.plan = new Uint8Array(n);
    this.childBounds = new Float64Array(2 * n);
    this.path = new PathBound(problem, this.order, this.position);
    this.tails = new Tails(problem, this.order, this.position);
    this.readyLocal = new Float64Array(n);
    this.readyUl = new Float64Array(n);
    this.minReadyLocal = new Float64Array(n + 1);
    this.minReadyUl = new Float64Array(n + 1);
  }

  /** Searches from the root; false if stopped by the node budget or the deadline. */
  run(table: PartitionTable, budget: number): boolean {
    this.table = table;
    this.budget = this.nodes + budget;
    this.explored = 0;
    this.nearMisses = 0;
    this.overBudget = false;
    this.sim.reset();
    this.visit(0);
    this.proven = !this.timedOut && !this.overBudget;
    return this.proven;
  }

  private visit(k: number): void {
    const sim = this.sim;
    if (k === this.n) {
      if (sim.makespan < this.best) {
        this.best = sim.makespan;
        this.cutoff = this.best * (1 - TIE);
        this.bestPlan.set(this.plan);
      }
      return;
    }
    if (++this.nodes >= this.nextTimeCheck) {
      this.nextTimeCheck = this.nodes + this.timeCheckInterval;
      if (performance.now() > this.deadline) this.timedOut = true;
      this.tick?.();
    }
    if (this.nodes > this.budget) {
      // Restart with a finer table only if enough of the explored nodes might then be pruned.
      if (this.nearMisses >= NEAR_MISS_SHARE * this.explored) this.overBudget = true;
      else this.budget = Infinity;
    }
    if (this.timedOut || this.overBudget) return;
    const i = this.order[k];
    const { ueFree, ulFree, mecFree, dlFree, makespan } = sim;
    const bounds = this.childBounds;
    for (let action = LOCAL; action <= OFFLOAD; action++) {
      sim.step(i, action);
      const bound = (bounds[2 * k + action] = this.childBound(k + 1));
      if (bound < this.cutoff) {
        this.explored++;
        if (bound + (this.n - k) * this.table.eps >= this.cutoff) this.nearMisses++;
      }
      sim.ueFree = ueFree;
      sim.ulFree = ulFree;
      sim.mecFree = mecFree;
      sim.dlFree = dlFree;
      sim.makespan = makespan;
    }
    // The smaller bound first; on a tie, the earlier finish (as HEFT would place the task).
    let first = bounds[2 * k + LOCAL] < bounds[2 * k + OFFLOAD] ? LOCAL : OFFLOAD;
    if (bounds[2 * k + LOCAL] === bounds[2 * k + OFFLOAD])
      first = sim.localFinish(i) < sim.offloadFinish(i) ? LOCAL : OFFLOAD;
    for (let branch = 0; branch < 2 && !this.timedOut && !this.overBudget; branch++) {
      const action = branch === 0 ? first : 1 - first;
      if (bounds[2 * k + action] >= this.cutoff) continue; // the incumbent may have improved meanwhile
      sim.step(i, action);
      this.plan[i] = action;
      this.visit(k + 1);
      sim.ueFree = ueFree;
      sim.ulFree = ulFree;
      sim.mecFree = mecFree;
      sim.dlFree = dlFree;
      sim.makespan = makespan;
    }
  }

  /**
   * A lower bound on every completion once positions 0..k−1 are decided (the simulator's state); once it
   * reaches the cutoff, cheaper partial values are returned.
   */
  private childBound(k: number): number {
    const sim = this.sim;
    let bound = sim.makespan;
    if (k === this.n || bound >= this.cutoff) return bound;
    const partition = this.table.evaluate(k, sim.ueFree, sim.ulFree);
    if (partition > bound) bound = partition;
    if (bound >= this.cutoff) return bound;
    const path = this.path.evaluate(k, sim, this.readyLocal, this.readyUl);
    if (path > bound) bound = path;
    if (bound >= this.cutoff) return bound;
    return this.releaseBound(k, bound);
  }

  /**
   * Release bounds. Take a later position m with task j. If j runs locally, the UE can start the tasks
   * after it no earlier than j's local finish (the UE runs local tasks in order) nor than their own
   * earliest local starts; if j is offloaded, likewise for the uplink. The tasks before m only add work,
   * so the partition bound of suffix m + 1 from those start times holds; so does j's own tail. The
   * smaller of the two cases bounds every completion. Positions whose task is ready as soon as the
   * resources are free are skipped (such a bound is rarely better than the node's partition bound).
   */
  private releaseBound(k: number, bound: number): number {
    const { readyLocal, readyUl, minReadyLocal, minReadyUl, order, table, sim, n } = this;
    const { local: tL, uplink: tU } = this.problem.times;
    const { afterLocal, afterUl } = this.tails;
    minReadyLocal[n] = Infinity;
    minReadyUl[n] = Infinity;
    for (let m = n - 1; m >= k; m--) {
      minReadyLocal[m] = readyLocal[m] < minReadyLocal[m + 1] ? readyLocal[m] : minReadyLocal[m + 1];
      minReadyUl[m] = readyUl[m] < minReadyUl[m + 1] ? readyUl[m] : minReadyUl[m + 1];
    }
    for (let m = k; m < n; m++) {
      if (m > k && readyLocal[m] <= sim.ueFree && readyUl[m] <= sim.ulFree) continue;
      const j = order[m];
      const ueAfter = readyLocal[m] + tL[j];
      const ueNext = ueAfter > minReadyLocal[m + 1] ? ueAfter : minReadyLocal[m + 1];
      let ifLocal = table.evaluate(m + 1, ueNext, minReadyUl[m + 1]);
      if (ueAfter + afterLocal[j] > ifLocal) ifLocal = ueAfter + afterLocal[j];
      if (ifLocal <= bound) continue;
      const ulAfter = readyUl[m] + tU[j];
      const ulNext = ulAfter > minReadyUl[m + 1] ? ulAfter : minReadyUl[m + 1];
      let ifOffload = table.evaluate(m + 1, minReadyLocal[m + 1], ulNext);
      if (ulAfter + afterUl[j] > ifOffload) ifOffload = ulAfter + afterUl[j];
      const either = ifLocal < ifOffload ? ifLocal : ifOffload;
      if (either > bound) {
        bound = either;
        if (bound >= this.cutoff) return bound;
      }
    }
    return bound;
  }
}

/**
 * The path bound: each undecided task's earliest local finish, upload finish, MEC finish and finish,
 * propagated in order from the decided tasks' actual finish times and the resources' free times, taking
 * for every undecided parent the least constraining of its two placements. On the way it records each
 * undecided task's earliest local and upload starts, for the release bounds.
 */
class PathBound {
  private readonly lbLocal: Float64Array;
  private readonly lbUl: Float64Array;
  private readonly lbMec: Float64Array;
  private readonly lbFinish: Float64Array;

  constructor(
    private readonly problem: OffloadingProblem,
    private readonly order: Int32Array,
    private readonly position: Int32Array,
  ) {
    const n = order.length;
    this.lbLocal = new Float64Array(n);
    this.lbUl = new Float64Array(n);
    this.lbMec = new Float64Array(n);
    this.lbFinish = new Float64Array(n);
  }

  /** The bound for decided positions 0..k−1; fills readyLocalAt[m] and readyUlAt[m] for m ≥ k. */
  evaluate(k: number, sim: LatencySimulator, readyLocalAt: Float64Array, readyUlAt: Float64Array): number {
    const { order, position, lbLocal, lbUl, lbMec, lbFinish } = this;
    const { local: tL, uplink: tU, mec: tM, downlink: tD } = this.problem.times;
    const { start: pStart, list: pList } = this.problem.parents;
    const uploadsWait = sim.uploadWaitsForParentUpload;
    const queued = sim.queuedDownlink;
    const { ftUe, ftUl, ftMec, ftDl, ueFree, ulFree, mecFree, dlFree } = sim;
    let bound = 0;
    for (let m = k; m < order.length; m++) {
      const i = order[m];
      let readyLocal = ueFree;
      let readyUl = ulFree;
      let readyMec = mecFree;
      for (let q = pStart[i]; q < pStart[i + 1]; q++) {
        const j = pList[q];
        if (position[j] < k) {
          const fin = ftUe[j] > ftDl[j] ? ftUe[j] : ftDl[j];
          if (fin > readyLocal) readyLocal = fin;
          const ulDep = uploadsWait ? (ftUe[j] > ftUl[j] ? ftUe[j] : ftUl[j]) : fin;
          if (ulDep > readyUl) readyUl = ulDep;
          if (ftMec[j] > readyMec) readyMec = ftMec[j];
        } else {
          if (lbFinish[j] > readyLocal) readyLocal = lbFinish[j];
          const ulDep = uploadsWait ? (lbLocal[j] < lbUl[j] ? lbLocal[j] : lbUl[j]) : lbFinish[j];
          if (ulDep > readyUl) readyUl = ulDep;
          // A local parent delays this task's upload, an offloaded one its MEC start.
          const viaLocal = lbLocal[j] + tU[i];
          const mecDep = lbMec[j] < viaLocal ? lbMec[j] : viaLocal;
          if (mecDep > readyMec) readyMec = mecDep;
        }
      }
      readyLocalAt[m] = readyLocal;
      readyUlAt[m] = readyUl;
      lbLocal[i] = readyLocal + tL[i];
      lbUl[i] = readyUl + tU[i];
      lbMec[i] = (readyMec > lbUl[i] ? readyMec : lbUl[i]) + tM[i];
      const dl = (!queued || lbMec[i] > dlFree ? lbMec[i] : dlFree) + tD[i];
      lbFinish[i] = lbLocal[i] < dl ? lbLocal[i] : dl;
      if (lbFinish[i] > bound) bound = lbFinish[i];
    }
    return bound;
  }
}

/**
 * Tails: how long every completion must still run after a task, by where the task runs. They rest on
 * facts true in both profiles: descendants come after their ancestors in the order; a local child starts
 * after its parents' FT^UE and FT^dl; an offloaded child's upload starts after its local parents' FT^UE
 * and its offloaded parents' FT^ul (reference) or FT^dl ≥ FT^ul (paper); an offloaded task's download
 * ends at least T^s + T^dl after its upload; the UE and the uplink each serve their tasks in order.
 */
class Tails {
  /** After FT^UE_i, i local: through each child, at its better placement, and on down (recursively). */
  readonly afterLocal: Float64Array;
  /** After FT^ul_i, i offloaded: T^s_i + T^dl_i, or through each child as above. */
  readonly afterUl: Float64Array;
  /**
   * After FT^UE_i when i is the last local task: every descendant is offloaded and uploads after FT^UE_i,
   * one after another on the uplink, each followed by its own T^s + T^dl. At least afterLocal.
   */
  readonly lastLocal: Float64Array;
  /**
   * After FT^ul_i when i is the last offloaded task: T^s_i + T^dl_i, then every descendant runs locally
   * after the download, one after another on the UE. At least afterUl.
   */
  readonly lastOffloaded: Float64Array;

  constructor(problem: OffloadingProblem, order: Int32Array, position: Int32Array) {
    const n = order.length;
    const { local: tL, uplink: tU, mec: tM, downlink: tD } = problem.times;
    const children = problem.dag.children;
    this.afterLocal = new Float64Array(n);
    this.afterUl = new Float64Array(n);
    this.lastLocal = new Float64Array(n);
    this.lastOffloaded = new Float64Array(n);
    for (let k = n - 1; k >= 0; k--) {
      const i = order[k];
      const own = tM[i] + tD[i];
      let afterLocal = 0;
      let afterUl = own;
      for (const c of children[i]) {
        const viaLocal = tL[c] + this.afterLocal[c];
        const viaUl = tU[c] + this.afterUl[c];
        afterLocal = Math.max(afterLocal, Math.min(viaLocal, viaUl));
        afterUl = Math.max(afterUl, Math.min(own + viaLocal, viaUl));
      }
      this.afterLocal[i] = afterLocal;
      this.afterUl[i] = afterUl;
    }
    for (let i = 0; i < n; i++) {
      let uploads = 0;
      let locals = 0;
      let lastLocal = 0;
      for (const d of descendantsInOrder(problem, position, i)) {
        uploads += tU[d];
        locals += tL[d];
        lastLocal = Math.max(lastLocal, uploads + tM[d] + tD[d]);
      }
      this.lastLocal[i] = Math.max(lastLocal, this.afterLocal[i]);
      this.lastOffloaded[i] = Math.max(tM[i] + tD[i] + locals, this.afterUl[i]);
    }
  }
}

/** The descendants of task i, in the order (all after i, as the order is topological). */
function descendantsInOrder(problem: OffloadingProblem, position: Int32Array, i: number): number[] {
  const children = problem.dag.children;
  const seen = new Uint8Array(position.length);
  const stack = [...children[i]];
  const found: number[] = [];
  while (stack.length > 0) {
    const c = stack.pop() as number;
    if (seen[c]) continue;
    seen[c] = 1;
    found.push(c);
    for (const g of children[c]) if (!seen[g]) stack.push(g);
  }
  return found.sort((a, b) => position[a] - position[b]);
}

/**
 * The partition bound. Take an undecided suffix of the order (positions m..n−1) and times A and B before
 * which the UE and the uplink cannot work on it. Every completion splits the suffix into local tasks S
 * and offloaded tasks O, and its makespan is at least both
 *  - A + x, x = max over i in S of (Σ T^UE over S up to i) + afterLocal(i), or lastLocal(i) for the last
 *    task of S: the UE runs S in order, and each task's tail follows it;
 *  - B + y, y = max over i in O of (Σ T^ul over O up to i) + afterUl(i), or lastOffloaded(i) for the last
 *    task of O: the uplink sends O in order, and each task's tail follows its upload.
 * Splits with S or O empty have no tail on that side; they are bounded by their other side alone.
 *
 * Each split is a point (x, y), and the bound is the smallest max(A + x, B + y) over them; only the
 * Pareto frontier matters. Frontiers are built backwards: prepending task i maps a split of the next
 * suffix to (T^UE_i + max(x, afterLocal(i)), y) or (x, T^ul_i + max(y, afterUl(i))), both monotone, so
 * dominated splits stay dominated; the splits whose rest is all offloaded or all local (where i is the
 * last of its side) are added apart. Points whose x or y reaches `limit` (an incumbent makespan) are
 * dropped and the bound capped at `limit`: they could only give bounds of at least `limit`. Points
 * closer than `eps` in x are merged into one with the smaller x and the smaller y, which only lowers
 * the bound. Along a frontier x grows and y falls, so the best point is found by bisection.
 */
class PartitionTable {
  /** Points in all tables, a measure of the cost of building them. */
  readonly points: number;
  /** The merge step: a suffix of s tasks is bounded at most s·eps below its exact partition bound. */
  readonly eps: number;
  private readonly suffixes: Frontier[];
  /** Per suffix: x when all of it is local, y when all of it is offloaded. */
  private readonly allLocal: Float64Array;
  private readonly allOffloaded: Float64Array;

  constructor(
    problem: OffloadingProblem,
    order: Int32Array,
    tails: Tails,
    resolution: number,
    private readonly limit: number,
  ) {
    const n = order.length;
    const { local: tL, uplink: tU } = problem.times;
    this.allLocal = new Float64Array(n + 1);
    this.allOffloaded = new Float64Array(n + 1);
    let longestTail = 0;
    for (let m = n - 1; m >= 0; m--) {
      const i = order[m];
      this.allLocal[m] = tL[i] + Math.max(tails.afterLocal[i], this.allLocal[m + 1]);
      this.allOffloaded[m] = tU[i] + Math.max(tails.afterUl[i], this.allOffloaded[m + 1]);
      longestTail = Math.max(longestTail, tails.lastLocal[i]);
    }
    // Every x lies in [0, x when all is local + the longest tail].
    const eps = (this.eps = (this.allLocal[0] + longestTail) / resolution);
    this.suffixes = new Array<Frontier>(n + 1);
    this.suffixes[n] = this.suffixes[n - 1] = Frontier.EMPTY;
    const merger = new FrontierMerger(problem, tails, eps, limit);
    let points = 0;
    for (let m = n - 2; m >= 0; m--) {
      const next = this.suffixes[m + 1];
      this.suffixes[m] = merger.prepend(order[m], next, this.allLocal[m + 1], this.allOffloaded[m + 1]);
      points += this.suffixes[m].size;
    }
    this.points = points;
  }

  /** A lower bound on every completion of suffix m when the UE cannot start on it before `ue`, the uplink `ul`. */
  evaluate(m: number, ue: number, ul: number): number {
    if (m >= this.suffixes.length - 1) return 0; // nothing left
    const allLocal = ue + this.allLocal[m];
    const allOffloaded = ul + this.allOffloaded[m];
    const mixed = this.suffixes[m].best(ue, ul, this.limit);
    return Math.min(allLocal, allOffloaded, mixed);
  }
}

/** A Pareto frontier: x ascending, y strictly descending, with a sparse copy to bisect in cache first. */
class Frontier {
  static readonly EMPTY = new Frontier(new Float64Array(0), new Float64Array(0));
  /** Every STRIDE-th point. */
  private static readonly STRIDE = 64;
  readonly size: number;
  private readonly sparseX: Float64Array;
  private readonly sparseY: Float64Array;

  constructor(
    readonly xs: Float64Array,
    readonly ys: Float64Array,
  ) {
    this.size = xs.length;
    const stride = Frontier.STRIDE;
    const sparse = Math.ceil(this.size / stride);
    this.sparseX = new Float64Array(sparse);
    this.sparseY = new Float64Array(sparse);
    for (let s = 0; s < sparse; s++) {
      this.sparseX[s] = xs[s * stride];
      this.sparseY[s] = ys[s * stride];
    }
  }

  /** min over the points of max(ue + x, ul + y), and at most `cap`. */
  best(ue: number, ul: number, cap: number): number {
    const { xs, ys, sparseX, sparseY } = this;
    const last = this.size - 1;
    if (last < 0) return cap;
    let result = cap;
    if (ue + xs[last] < ul + ys[last]) {
      // The uplink side dominates everywhere: the last point (smallest y) is best.
      if (ul + ys[last] < result) result = ul + ys[last];
      return result;
    }
    // The first point where the UE side reaches the uplink side: first among the sparse points (in
    // cache), then within the stride before the first sparse point found.
    let lo = 0;
    let hi = sparseX.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ue + sparseX[mid] >= ul + sparseY[mid]) hi = mid;
      else lo = mid + 1;
    }
    hi = lo < sparseX.length ? lo * Frontier.STRIDE : last;
    lo = lo > 0 ? (lo - 1) * Frontier.STRIDE + 1 : 0;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ue + xs[mid] >= ul + ys[mid]) hi = mid;
      else lo = mid + 1;
    }
    // There the UE side is the larger; just before it, the uplink side.
    if (ue + xs[lo] < result) result = ue + xs[lo];
    if (lo > 0 && ul + ys[lo - 1] < result) result = ul + ys[lo - 1];
    return result;
  }
}

/** Builds the frontier of a suffix from the next suffix's (see PartitionTable), reusing its buffers. */
class FrontierMerger {
  private bufX = new Float64Array(64);
  private bufY = new Float64Array(64);

  constructor(
    private readonly problem: OffloadingProblem,
    private readonly tails: Tails,
    private readonly eps: number,
    private readonly limit: number,
  ) {}

  /**
   * The frontier of task i followed by the suffix whose frontier is `next`, and whose x when all local
   * and y when all offloaded are `restLocal` and `restOffloaded`.
   */
  prepend(i: number, next: Frontier, restLocal: number, restOffloaded: number): Frontier {
    const { eps, limit, problem, tails } = this;
    const { xs: nx, ys: ny, size: nextSize } = next;
    const lx = problem.times.local[i];
    const uy = problem.times.uplink[i];
    const lTail = tails.afterLocal[i];
    const uTail = tails.afterUl[i];
    // i local: points a < aEnd of the next frontier (the others reach the limit); i offloaded: b ≥ bStart.
    let aEnd = lx + lTail < limit ? nextSize : 0;
    while (aEnd > 0 && lx + nx[aEnd - 1] >= limit) aEnd--;
    let bStart = uy + uTail < limit ? 0 : nextSize;
    while (bStart < nextSize && uy + ny[bStart] >= limit) bStart++;
    // i the last local task (the rest offloaded) and i the last offloaded one (the rest local), by x.
    let sx1 = lx + tails.lastLocal[i];
    let sy1 = restOffloaded;
    let sx2 = restLocal;
    let sy2 = uy + tails.lastOffloaded[i];
    if (sx2 < sx1) {
      const x = sx1;
      const y = sy1;
      sx1 = sx2;
      sy1 = sy2;
      sx2 = x;
      sy2 = y;
    }
    const capacity = aEnd + (nextSize - bStart) + 2;
    if (this.bufX.length < capacity) {
      this.bufX = new Float64Array(2 * capacity);
      this.bufY = new Float64Array(2 * capacity);
    }
    const { bufX, bufY } = this;
    // Merge the three streams, ascending in x, keeping y strictly falling; xa, xb, xs are their heads.
    let size = 0;
    let lastX = -Infinity;
    let lastY = Infinity;
    let a = 0;
    let b = bStart;
    let s = 0;
    let xa = a < aEnd ? lx + (nx[a] > lTail ? nx[a] : lTail) : Infinity;
    let xb = b < nextSize ? nx[b] : Infinity;
    let xs = sx1;
    for (;;) {
      let x: number;
      let y: number;
      if (xa <= xb && xa <= xs) {
        if (xa === Infinity) break; // all three streams are done
        x = xa;
        y = ny[a++];
        xa = a < aEnd ? lx + (nx[a] > lTail ? nx[a] : lTail) : Infinity;
      } else if (xb <= xs) {
        x = xb;
        y = uy + (ny[b] > uTail ? ny[b] : uTail);
        xb = ++b < nextSize ? nx[b] : Infinity;
      } else {
        x = xs;
        y = s === 0 ? sy1 : sy2;
        xs = ++s === 1 ? sx2 : Infinity;
      }
      if (y >= lastY || x >= limit || y >= limit) continue; // dominated, or no use
      if (x - lastX <= eps) {
        bufY[size - 1] = lastY = y; // merged into the previous point: its smaller x, this smaller y
      } else {
        bufX[size] = lastX = x;
        bufY[size++] = lastY = y;
      }
    }
    return new Frontier(bufX.slice(0, size), bufY.slice(0, size));
  }
}

/** First-improvement hill climbing over single-task flips: a cheap, better first incumbent. */
/** Every plan, for checking Optimal on small graphs. */
export function bruteForceOptimum(problem: OffloadingProblem): number {
  const n = problem.order.length;
  if (n > 24) throw new RangeError('brute force is limited to 24 tasks');
  const plan = new Uint8Array(n);
  let best = Infinity;
  for (let mask = 0; mask < 2 ** n; mask++) {
    for (let i = 0; i < n; i++) plan[i] = (mask >>> i) & 1;
    best = Math.min(best, problem.simulator.run(problem.order, plan));
  }
  return best;
}
