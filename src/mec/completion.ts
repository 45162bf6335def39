/**
 * Branching on the latency model: save and restore the simulator's resource state, and complete a
 * partial plan with the earliest-finish rule (HEFT's, ties to the edge server) or with a rollout over it.
 *
 * A step writes only the per-task arrays of the task it adds, so a branch that adds later tasks and is
 * then abandoned needs only the five resource scalars restored: the arrays of the tasks decided before
 * the branch are untouched, and those of later tasks are rewritten when they are added again.
 */
import { LOCAL, OFFLOAD, type LatencySimulator } from './simulator.js';

/** The resource free times and the makespan: all a branch has to restore. */
export interface ResourceState {
  ueFree: number;
  ulFree: number;
  mecFree: number;
  dlFree: number;
  makespan: number;
}

export function newResourceState(): ResourceState {
  return { ueFree: 0, ulFree: 0, mecFree: 0, dlFree: 0, makespan: 0 };
}

export function saveResources(sim: LatencySimulator, into: ResourceState): ResourceState {
  into.ueFree = sim.ueFree;
  into.ulFree = sim.ulFree;
  into.mecFree = sim.mecFree;
  into.dlFree = sim.dlFree;
  into.makespan = sim.makespan;
  return into;
}

export function restoreResources(sim: LatencySimulator, from: ResourceState): void {
  sim.ueFree = from.ueFree;
  sim.ulFree = from.ulFree;
  sim.mecFree = from.mecFree;
  sim.dlFree = from.dlFree;
  sim.makespan = from.makespan;
}

/**
 * Adds order[from..] with the earliest-finish rule (LatencySimulator.stepEarliest) and returns the
 * makespan; the simulator is left in
 * the completed state (restore a saved state to undo). Writes the actions into `plan` when given.
 */
export function completeEarliestFinish(
  sim: LatencySimulator,
  order: ArrayLike<number>,
  from: number,
  plan?: Uint8Array,
): number {
  if (plan) for (let k = from; k < order.length; k++) plan[order[k]] = sim.stepEarliest(order[k]);
  else for (let k = from; k < order.length; k++) sim.stepEarliest(order[k]);
  return sim.makespan;
}

export const MAX_ROLLOUT_DEPTH = 4;

/**
 * The rollout (pilot) method over the earliest-finish rule: each task in turn tries both actions,
 * completes each with the depth − 1 rollout (depth 0: the earliest-finish rule itself) and keeps the
 * action with the smaller completed makespan (a tie goes to offload). Holds one saved state per depth,
 * so it allocates nothing per call.
 */
export class RolloutCompleter {
  /** Latency-model steps taken (sim.step calls): the cost measure of rollouts. */
  steps = 0;
  private readonly saved = Array.from({ length: MAX_ROLLOUT_DEPTH + 1 }, newResourceState);

  /** Decides order[k] by a rollout of `depth` levels (≥ 1) and adds it; returns the action. */
  decide(sim: LatencySimulator, order: ArrayLike<number>, k: number, depth: number): number {
    const i = order[k];
    const before = saveResources(sim, this.saved[depth]);
    sim.step(i, LOCAL);
    const local = this.complete(sim, order, k + 1, depth - 1);
    restoreResources(sim, before);
    sim.step(i, OFFLOAD);
    const offload = this.complete(sim, order, k + 1, depth - 1);
    restoreResources(sim, before);
    const action = local < offload ? LOCAL : OFFLOAD;
    sim.step(i, action);
    this.steps += 3;
    return action;
  }

  /**
   * Adds order[from..] with the depth-`depth` rollout (0: the earliest-finish rule); returns the makespan.
   * `onProgress` hears the share of the tasks decided (at this level, after each task).
   */
  complete(
    sim: LatencySimulator,
    order: ArrayLike<number>,
    from: number,
    depth: number,
    plan?: Uint8Array,
    onProgress?: (fraction: number) => void,
  ): number {
    if (depth > MAX_ROLLOUT_DEPTH) throw new RangeError(`rollout depth above ${MAX_ROLLOUT_DEPTH}`);
    if (depth <= 0) {
      this.steps += order.length - from;
      return completeEarliestFinish(sim, order, from, plan);
    }
    for (let k = from; k < order.length; k++) {
      const action = this.decide(sim, order, k, depth);
      if (plan) plan[order[k]] = action;
      onProgress?.((k + 1 - from) / (order.length - from));
    }
    return sim.makespan;
  }
}
