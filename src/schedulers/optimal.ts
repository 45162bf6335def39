/**
 * Optimal: exact branch-and-bound over the 2^n plans, tasks decided in rank order.
 *
 * The HEFT plan is the first incumbent; at each node the action with the earlier estimated finish is
 * tried first. A node is pruned when an admissible lower bound on every completion's makespan is not
 * below the incumbent. Two bounds, both valid for either simulator profile:
 *  - a path bound: each undecided task's earliest finish, propagated through the DAG, taking for every
 *    undecided parent the least constraining of its two placements;
 *  - a load bound: undecided tasks need either UE time or uplink time, and for any a in [0, 1]
 *    max(UE, uplink) >= a·UE + (1 − a)·uplink; minimising per task gives a concave function of a,
 *    maximised exactly by walking the tasks' breakpoints a_i = T^ul / (T^UE + T^ul) (sorted once).
 */
import type { OffloadingProblem } from '../mec/problem.js';
import { LOCAL, OFFLOAD } from '../mec/simulator.js';
import { heft } from './earliest-finish.js';
import type { ScheduleOptions, Scheduler, ScheduleResult } from './scheduler.js';

const TIME_CHECK_INTERVAL = 4096;

export interface OptimalStats {
  nodes: number;
  proven: boolean;
  timeMs: number;
}

export function solveOptimal(problem: OffloadingProblem, options: ScheduleOptions = {}): ScheduleResult {
  const started = performance.now();
  const deadline = options.timeLimitMs !== undefined ? started + options.timeLimitMs : Infinity;
  const { order, times, parents, simulator: sim } = problem;
  const n = order.length;
  const reference = problem.profile === 'reference';
  const { local: tL, uplink: tU, mec: tM, downlink: tD } = times;
  const { start: pStart, list: pList } = parents;

  const incumbent = heft.schedule(problem);
  const bestPlan = Uint8Array.from(incumbent.plan);
  let best = improveByFlips(problem, bestPlan, incumbent.makespanMs);

  const position = new Int32Array(n);
  order.forEach((task, k) => (position[task] = k));
  const orderArr = Int32Array.from(order);
  const plan = new Uint8Array(n);
  const lbLocal = new Float64Array(n);
  const lbUl = new Float64Array(n);
  const lbMec = new Float64Array(n);
  const lbFinish = new Float64Array(n);
  // Tasks by load-bound breakpoint, ascending.
  const breakpoint = (i: number): number => (tL[i] + tU[i] > 0 ? tU[i] / (tL[i] + tU[i]) : 0);
  const byBreakpoint = Int32Array.from([...order].sort((x, y) => breakpoint(x) - breakpoint(y)));
  let nodes = 0;
  let stopped = false;

  const lowerBound = (k: number): number => {
    let bound = sim.makespan;
    const { ftUe, ftUl, ftMec, ftDl, ueFree, ulFree, mecFree, dlFree } = sim;
    for (let p = k; p < n; p++) {
      const i = orderArr[p];
      let readyLocal = ueFree;
      let readyUl = ulFree;
      let readyMec = mecFree;
      for (let q = pStart[i]; q < pStart[i + 1]; q++) {
        const j = pList[q];
        if (position[j] < k) {
          const fin = ftUe[j] > ftDl[j] ? ftUe[j] : ftDl[j];
          if (fin > readyLocal) readyLocal = fin;
          const ulDep = reference ? Math.max(ftUe[j], ftUl[j]) : fin;
          if (ulDep > readyUl) readyUl = ulDep;
          if (ftMec[j] > readyMec) readyMec = ftMec[j];
        } else {
          if (lbFinish[j] > readyLocal) readyLocal = lbFinish[j];
          const ulDep = reference ? Math.min(lbLocal[j], lbUl[j]) : lbFinish[j];
          if (ulDep > readyUl) readyUl = ulDep;
          // A local parent delays this task's upload, an offloaded one its MEC start.
          const mecDep = Math.min(lbMec[j], lbLocal[j] + tU[i]);
          if (mecDep > readyMec) readyMec = mecDep;
        }
      }
      lbLocal[i] = readyLocal + tL[i];
      lbUl[i] = readyUl + tU[i];
      lbMec[i] = (readyMec > lbUl[i] ? readyMec : lbUl[i]) + tM[i];
      const dl = (reference || lbMec[i] > dlFree ? lbMec[i] : dlFree) + tD[i];
      lbFinish[i] = lbLocal[i] < dl ? lbLocal[i] : dl;
      if (lbFinish[i] > bound) bound = lbFinish[i];
    }
    if (bound >= best) return bound;
    // Load bound. If some undecided task is offloaded, the last upload is followed by at least the
    // smallest T^s + T^dl among them: the uplink side is ulFree + tail + Σ T^ul. The slope of g(a)
    // starts at ueFree − (ulFree + tail) + Σ T^UE and drops by T^UE + T^ul at each undecided task's
    // breakpoint; g is largest where the slope turns negative.
    let allLocal = ueFree;
    let tail = Infinity;
    for (let p = k; p < n; p++) {
      const i = orderArr[p];
      allLocal += tL[i];
      const t = tM[i] + tD[i];
      if (t < tail) tail = t;
    }
    if (allLocal <= bound) return bound;
    const ulSide = ulFree + tail;
    let slope = allLocal - ulSide;
    let a = 1;
    if (slope > 0) {
      for (let q = 0; q < n; q++) {
        const i = byBreakpoint[q];
        if (position[i] < k) continue;
        slope -= tL[i] + tU[i];
        if (slope <= 0) {
          a = breakpoint(i);
          break;
        }
      }
    } else {
      a = 0;
    }
    let load = a * ueFree + (1 - a) * ulSide;
    for (let p = k; p < n; p++) {
      const i = orderArr[p];
      const viaUe = a * tL[i];
      const viaUl = (1 - a) * tU[i];
      load += viaUe < viaUl ? viaUe : viaUl;
    }
    // Offloading nothing is the one case the tail does not cover.
    const loadBound = load < allLocal ? load : allLocal;
    if (loadBound > bound) bound = loadBound;
    return bound;
  };

  const search = (k: number): void => {
    if (k === n) {
      if (sim.makespan < best) {
        best = sim.makespan;
        bestPlan.set(plan);
      }
      return;
    }
    if (++nodes % TIME_CHECK_INTERVAL === 1 && performance.now() > deadline) stopped = true;
    if (stopped) return;
    const i = orderArr[k];
    const first = sim.localFinish(i) < sim.offloadFinish(i) ? LOCAL : OFFLOAD;
    const { ueFree, ulFree, mecFree, dlFree, makespan } = sim;
    for (let branch = 0; branch < 2 && !stopped; branch++) {
      const action = branch === 0 ? first : 1 - first;
      sim.step(i, action);
      plan[i] = action;
      if (sim.makespan < best && (k + 1 === n || lowerBound(k + 1) < best)) search(k + 1);
      sim.ueFree = ueFree;
      sim.ulFree = ulFree;
      sim.mecFree = mecFree;
      sim.dlFree = dlFree;
      sim.makespan = makespan;
    }
  };

  sim.reset();
  search(0);
  const stats: OptimalStats = { nodes, proven: !stopped, timeMs: performance.now() - started };
  return {
    scheduler: 'optimal',
    plan: bestPlan,
    order,
    makespanMs: sim.run(order, bestPlan),
    stats: { ...stats },
  };
}

export const optimal: Scheduler = {
  name: 'optimal',
  description: 'exact branch-and-bound (proven optimum unless a time limit stops it)',
  schedule: solveOptimal,
};

/** First-improvement hill climbing over single-task flips: a cheap, better first incumbent. */
function improveByFlips(problem: OffloadingProblem, plan: Uint8Array, makespan: number): number {
  let best = makespan;
  for (let improved = true; improved;) {
    improved = false;
    for (let i = 0; i < plan.length; i++) {
      plan[i] ^= 1;
      const m = problem.simulator.run(problem.order, plan);
      if (m < best) {
        best = m;
        improved = true;
      } else {
        plan[i] ^= 1;
      }
    }
  }
  return best;
}

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
