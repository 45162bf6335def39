/**
 * HEFT-rollout over several places: each task in rank order tries every place, completes the plan with
 * the depth − 1 rollout (depth 0: the earliest-objective rule) and keeps the place whose completed plan
 * has the least objective (ties as in heuristics.ts: servers first, the device only when strictly
 * better). The base rule's own choice is among those tried, so each depth is never worse than the one
 * below it. Cost: about P·n²/2 model steps at depth 1, a factor of about P·n/(d + 1) more per depth.
 */
import { MAX_ROLLOUT_DEPTH } from '../../mec/completion.js';
import { objectiveNow, type PlacementProblem } from '../../mec/places/problem.js';
import { DEVICE } from '../../mec/places/simulator.js';
import { InputError } from '../../util/errors.js';
import { completeBest } from '../../mec/places/completion.js';
import { placementResult, type PlacementResult, type PlacementScheduler } from './heuristics.js';

export class PlaceRollout {
  /** Model steps taken: the cost measure of rollouts. */
  steps = 0;
  private readonly saved: Float64Array[];

  constructor(private readonly problem: PlacementProblem) {
    const size = problem.simulator.state.length;
    this.saved = Array.from({ length: MAX_ROLLOUT_DEPTH + 1 }, () => new Float64Array(size));
  }

  /** Adds order[from..] by the depth-`depth` rollout (0: the base rule); returns the final objective. */
  complete(order: readonly number[], from: number, depth: number, plan?: Uint8Array): number {
    const problem = this.problem;
    if (depth <= 0) {
      this.steps += (order.length - from) * problem.places.length;
      completeBest(problem, order, from, plan);
      return objectiveNow(problem, order);
    }
    for (let k = from; k < order.length; k++) {
      const p = this.decide(order, k, depth);
      if (plan) plan[order[k]] = p;
    }
    return objectiveNow(problem, order);
  }

  private decide(order: readonly number[], k: number, depth: number): number {
    const sim = this.problem.simulator;
    const P = this.problem.places.length;
    const i = order[k];
    const before = this.saved[depth];
    before.set(sim.state);
    let best = -1;
    let bestValue = Infinity;
    for (let q = 1; q <= P; q++) {
      const p = q === P ? DEVICE : q;
      sim.step(i, p);
      const value = this.complete(order, k + 1, depth - 1);
      sim.state.set(before);
      if (value < bestValue) {
        best = p;
        bestValue = value;
      }
    }
    sim.step(i, best);
    this.steps += P + 1;
    return best;
  }
}

export function placeRolloutName(depth: number): string {
  return depth === 1 ? 'heft-rollout' : `heft-rollout:${depth}`;
}

export function placeRolloutPlan(problem: PlacementProblem, depth: number): PlacementResult {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_ROLLOUT_DEPTH)
    throw new InputError(`rollout depth must be an integer from 1 to ${MAX_ROLLOUT_DEPTH}, got ${depth}`);
  problem.simulator.reset();
  const plan = new Uint8Array(problem.order.length);
  const rollout = new PlaceRollout(problem);
  rollout.complete(problem.order, 0, depth, plan);
  return placementResult(placeRolloutName(depth), problem, plan, { modelSteps: rollout.steps });
}

export function placeRollout(depth: number): PlacementScheduler {
  return {
    name: placeRolloutName(depth),
    description:
      depth === 1
        ? 'rollout over HEFT at every place: the least objective of the plan completed by the earliest-objective rule'
        : `rollout over the depth-${depth - 1} HEFT-rollout at every place`,
    schedule: (problem) => placeRolloutPlan(problem, depth),
  };
}
