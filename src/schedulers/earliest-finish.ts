/**
 * Greedy and HEFT-based: tasks taken one at a time, each placed where its estimated finish time is
 * earliest given the tasks placed before it. Greedy takes tasks in task-id order (a topological order
 * preferring small ids); HEFT-based in descending upward rank (Eq. 10), as adapted from Topcuoglu et al.
 * Ties go to the edge server, as in the paper's public experiments.
 */
import { topologicalOrder } from '../dag/dag.js';
import type { OffloadingProblem } from '../mec/problem.js';
import { LOCAL, OFFLOAD } from '../mec/simulator.js';
import type { Scheduler, ScheduleResult } from './scheduler.js';

export function earliestFinishPlan(
  name: string,
  problem: OffloadingProblem,
  order: readonly number[],
): ScheduleResult {
  const sim = problem.simulator;
  sim.reset();
  const plan = new Uint8Array(order.length);
  for (const i of order) {
    const action = sim.localFinish(i) < sim.offloadFinish(i) ? LOCAL : OFFLOAD;
    plan[i] = action;
    sim.step(i, action);
  }
  return { scheduler: name, plan, order, makespanMs: sim.makespan };
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
