/**
 * HEFT-rollout: the pilot (rollout) method over HEFT's earliest-finish rule. Tasks are decided in
 * descending upward rank; for each, both actions are tried, each completed by the base heuristic, and
 * the action with the smaller completed makespan is kept (a tie goes to offload, as in HEFT).
 *
 * Depth 1 completes with HEFT's rule itself; depth d completes with the depth d − 1 rollout. Because
 * the base heuristic's own choice is always among those tried, and a rollout continued from the state
 * it chose is the same rollout, each depth is never worse than the one below it (depth 1 never worse
 * than HEFT). Cost: about n² latency-model steps per DAG at depth 1 and a factor of about 2n/(d+1) more
 * per further depth d.
 */
import { MAX_ROLLOUT_DEPTH, RolloutCompleter } from '../mec/completion.js';
import type { OffloadingProblem } from '../mec/problem.js';
import { InputError } from '../util/errors.js';
import type { Scheduler, ScheduleResult } from './scheduler.js';

export { MAX_ROLLOUT_DEPTH };

/**
 * The largest DAG (tasks) a command runs a rollout of depth ≥ 2 on by default: its cost grows as
 * n^(depth+1) (depth 2: about 2.5 s per DAG at n = 300, 15 s at 500, over 5 minutes at 2000). Above it,
 * such a rollout runs only when asked for by name.
 */
export const DEEP_ROLLOUT_DEFAULT_MAX_TASKS = 300;

/** The rollout depth of a scheduler name (heft-rollout: 1, heft-rollout:D: D), undefined for others. */
export function rolloutDepthOf(name: string): number | undefined {
  if (name === 'heft-rollout') return 1;
  const m = /^heft-rollout:(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The depth-`depth` HEFT-rollout plan of a problem, with its cost in latency-model steps. */
export function heftRolloutPlan(
  problem: OffloadingProblem,
  depth: number,
  onProgress?: (fraction: number) => void,
): ScheduleResult {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_ROLLOUT_DEPTH)
    throw new InputError(`rollout depth must be an integer from 1 to ${MAX_ROLLOUT_DEPTH}, got ${depth}`);
  const sim = problem.simulator;
  sim.reset();
  const plan = new Uint8Array(problem.order.length);
  const rollout = new RolloutCompleter();
  // Deciding task k costs about (n − k)^depth steps: the share of the work done after a share f of the tasks.
  const work = onProgress && ((f: number) => onProgress(1 - (1 - f) ** (depth + 1)));
  const makespanMs = rollout.complete(sim, problem.order, 0, depth, plan, work);
  return {
    scheduler: heftRolloutName(depth),
    plan,
    order: problem.order,
    makespanMs,
    stats: { modelSteps: rollout.steps },
  };
}

export function heftRolloutName(depth: number): string {
  return depth === 1 ? 'heft-rollout' : `heft-rollout:${depth}`;
}

export function heftRollout(depth: number): Scheduler {
  return {
    name: heftRolloutName(depth),
    description:
      depth === 1
        ? "rollout over HEFT: each task's action by the smaller makespan of the plan completed by HEFT's rule"
        : `rollout over the depth-${depth - 1} HEFT-rollout`,
    schedule: (problem, options) => heftRolloutPlan(problem, depth, options?.onProgress),
  };
}
