/**
 * The earliest-objective rule over several places (HEFT's earliest finish, generalised): each task in
 * turn goes where the objective of the plan so far (its makespan and active energy with this task
 * added) is least, a tie broken by the earlier finish; for the latency objective that is the earliest
 * finish itself. Places are tried servers first, then the cloud, then the device, and a later place
 * must be strictly better: with one server, a tie goes to the edge server as in the paper's
 * experiments. Shared by the schedulers, the policies' lookahead and Optimal's first incumbent.
 */
import { objectiveValue } from './objective.js';
import type { PlacementProblem } from './problem.js';
import { DEVICE } from './simulator.js';

/**
 * The place the earliest-objective rule gives task i now (without adding it). The score ignores idle
 * power (it depends on the whole plan's gaps); a final objective includes it.
 */
export function bestPlace(problem: PlacementProblem, i: number): number {
  const sim = problem.simulator;
  const P = problem.places.length;
  const o = problem.objective;
  const latency = o.kind === 'latency';
  const ms = sim.makespan;
  const e = sim.activeEnergy;
  let best = -1;
  let bestScore = Infinity;
  let bestFinish = Infinity;
  for (let q = 1; q <= P; q++) {
    const p = q === P ? DEVICE : q;
    const f = sim.finishAt(i, p);
    const score = latency ? f : objectiveValue(o, f > ms ? f : ms, e + sim.energyAt(i, p), problem.local);
    if (score < bestScore || (score === bestScore && f < bestFinish)) {
      best = p;
      bestScore = score;
      bestFinish = f;
    }
  }
  return best;
}

/** Adds order[from..] by the earliest-objective rule, writing the places into `plan` when given. */
export function completeBest(
  problem: PlacementProblem,
  order: ArrayLike<number>,
  from: number,
  plan?: Uint8Array,
): void {
  const sim = problem.simulator;
  for (let k = from; k < order.length; k++) {
    const i = order[k];
    const p = bestPlace(problem, i);
    sim.step(i, p);
    if (plan) plan[i] = p;
  }
}
