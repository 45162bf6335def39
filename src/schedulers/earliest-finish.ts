/**
 * Greedy and HEFT-based: tasks taken one at a time, each placed where its estimated finish time is
 * earliest given the tasks placed before it. Greedy takes tasks in task-id order (a topological order
 * preferring small ids); HEFT-based in descending upward rank (Eq. 10), as adapted from Topcuoglu et al.
 * Ties go to the edge server, as in the paper's public experiments.
 */
import { topologicalOrder } from '../dag/dag.js';
import type { OffloadingProblem } from '../mec/problem.js';
import { completeEarliestFinish } from '../mec/completion.js';
import type { Scheduler, ScheduleResult } from './scheduler.js';

export function earliestFinishPlan(
  name: string,
  problem: OffloadingProblem,
  order: readonly number[],
): ScheduleResult {
  const sim = problem.simulator;
  sim.reset();
  const plan = new Uint8Array(order.length);
  const makespanMs = completeEarliestFinish(sim, order, 0, plan);
  return { scheduler: name, plan, order, makespanMs, stats: { modelSteps: order.length } };
}

export const greedy: Scheduler = {
  name: 'greedy',
  description: 'earliest estimated finish, tasks in id order',
  schedule: (problem) => earliestFinishPlan('greedy', problem, topologicalOrder(problem.dag)),
};

export const heft: Scheduler = {
  name: 'heft',
  description: 'earliest estimated finish, tasks in descending upward rank (HEFT-based)',
  schedule: (problem) => earliestFinishPlan('heft', problem, problem.order),
};
