/**
 * The clairvoyant optimum of one realisation: the best plan (tasks in the world's order, resources
 * first-in first-out) knowing the realisation's whole future, by the exact branch and bound of
 * schedulers/optimal.ts run on the world's simulator. Its bounds need each stage's duration to be a
 * lower bound of the actual one; a link's duration depends on when a transfer starts, so each transfer
 * is bounded by its shortest duration over every start before the first incumbent's makespan H (a
 * completion that starts anything later ends after H and cannot improve on it, so the bound need not
 * hold for it). A shared server is bounded by its full share f_s/k. Because an online decider's choices
 * also make up one plan of the same realisation, no decider can do better than this optimum.
 */
import { heft } from '../schedulers/earliest-finish.js';
import { solveOptimal } from '../schedulers/optimal.js';
import { vmHz, type TaskTimes } from '../mec/system.js';
import type { WorldInstance } from './world.js';

export interface ClairvoyantStats {
  proven: boolean;
  nodes: number;
  timeMs: number;
  [key: string]: number | boolean;
}

export function clairvoyantPlan(
  instance: WorldInstance,
  timeLimitMs: number,
): { plan: Uint8Array; makespanMs: number; stats: ClairvoyantStats } {
  const sim = instance.sim;
  const world = { ...instance.problem, simulator: sim };
  const horizon = heft.schedule(world).makespanMs;
  const times = lowerBoundTimes(instance, horizon);
  const result = solveOptimal({ ...world, times }, { timeLimitMs });
  const stats = result.stats ?? {};
  return {
    plan: result.plan,
    makespanMs: result.makespanMs,
    stats: {
      proven: stats.proven === true,
      nodes: Number(stats.nodes ?? 0),
      timeMs: Number(stats.timeMs ?? 0),
    },
  };
}

/** Each stage's shortest duration over starts in [0, horizon]. */
export function lowerBoundTimes(instance: WorldInstance, horizon: number): TaskTimes {
  const sim = instance.sim;
  const n = instance.problem.dag.tasks.length;
  const work = instance.actualWork;
  const actual = sim.times;
  const paths = instance.paths;
  const times: TaskTimes = {
    local: Float64Array.from(actual.local),
    uplink: Float64Array.from(actual.uplink),
    mec: Float64Array.from(actual.mec),
    downlink: Float64Array.from(actual.downlink),
  };
  const vmPerMs = vmHz(instance.world.system) / 1e3;
  for (let i = 0; i < n; i++) {
    if (paths.uplink) times.uplink[i] = shortestDuration((s) => sim.ulEnd(i, s), horizon);
    if (paths.downlink) times.downlink[i] = shortestDuration((s) => sim.dlEnd(i, s), horizon);
    if (paths.mec) times.mec[i] = work.cycles[i] / vmPerMs;
  }
  return times;
}

/** The coarse grid step of `shortestDuration`, ms. */
const COARSE_MS = 8;

/**
 * A lower bound of end(s) − s over s ∈ [0, horizon] for a non-decreasing `end`: between grid points s_k
 * and s_k + g, end(s) − s ≥ end(s_k) − s_k − g. A coarse grid first, then a 1-ms grid in the cells
 * whose bound could be the smallest.
 */
export function shortestDuration(end: (s: number) => number, horizon: number): number {
  const cells = Math.max(1, Math.ceil(horizon / COARSE_MS));
  const coarse = new Float64Array(cells + 1);
  let best = Infinity;
  for (let k = 0; k <= cells; k++) {
    const s = k * COARSE_MS;
    coarse[k] = end(s) - s;
    if (coarse[k] < best) best = coarse[k];
  }
  let bound = best;
  for (let k = 0; k < cells; k++) {
    if (coarse[k] - COARSE_MS >= bound) continue;
    // Refine the cell on a 1-ms grid: its bound is its smallest fine value less 1 ms.
    let fine = coarse[k];
    for (let s = k * COARSE_MS + 1; s <= (k + 1) * COARSE_MS; s++) {
      const v = end(s) - s;
      if (v < fine) fine = v;
    }
    if (fine - 1 < bound) bound = fine - 1;
  }
  return bound > 0 ? bound : 0;
}
