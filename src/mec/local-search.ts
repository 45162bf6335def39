/** Local search on a plan: single-task flips, each kept when it shortens the makespan, until none does. */
import type { OffloadingProblem } from './problem.js';

/**
 * Improves `plan` (task-index order) in place; returns its makespan. `makespan` is the plan's current one.
 * Each sweep costs n simulations of n tasks; past `deadline` (performance.now() ms) it stops with the
 * plan as improved so far.
 */
export function polishByFlips(
  problem: OffloadingProblem,
  plan: Uint8Array,
  makespan: number,
  deadline = Infinity,
): number {
  let best = makespan;
  for (let improved = true; improved;) {
    improved = false;
    for (let i = 0; i < plan.length; i++) {
      if (deadline !== Infinity && (i & 63) === 0 && performance.now() > deadline) return best;
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
