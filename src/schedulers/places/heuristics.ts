/**
 * Schedulers over several places (one interface, as for the paper's two): every task placed at the
 * place its rule prefers, judged by the problem's objective.
 * Greedy and HEFT use the earliest-objective rule (mec/places/completion.ts).
 */
import { topologicalOrder } from '../../dag/dag.js';
import { completeBest } from '../../mec/places/completion.js';
import { scorePlan, type PlacementProblem, type PlanScore } from '../../mec/places/problem.js';
import { Rng } from '../../util/rng.js';

export interface PlacementResult extends PlanScore {
  readonly scheduler: string;
  /** plan[i] = the place of task i (0 the device, then the servers, then the cloud). */
  readonly plan: Uint8Array;
  readonly order: readonly number[];
  readonly stats?: Readonly<Record<string, number | boolean>>;
}

export interface PlacementScheduleOptions {
  seed?: number;
  timeLimitMs?: number;
}

export interface PlacementScheduler {
  readonly name: string;
  readonly description: string;
  schedule(problem: PlacementProblem, options?: PlacementScheduleOptions): PlacementResult;
}

export function placementResult(
  scheduler: string,
  problem: PlacementProblem,
  plan: Uint8Array,
  stats?: Record<string, number | boolean>,
  order: readonly number[] = problem.order,
): PlacementResult {
  return { scheduler, plan, order, ...scorePlan(problem, plan, order), ...(stats ? { stats } : {}) };
}

function earliestObjective(
  name: string,
  problem: PlacementProblem,
  order: readonly number[],
): PlacementResult {
  problem.simulator.reset();
  const plan = new Uint8Array(order.length);
  completeBest(problem, order, 0, plan);
  return placementResult(name, problem, plan, { modelSteps: order.length * problem.places.length }, order);
}

export const placeGreedy: PlacementScheduler = {
  name: 'greedy',
  description: 'least objective so far (latency: earliest finish) at every place, tasks in id order',
  schedule: (problem) => earliestObjective('greedy', problem, topologicalOrder(problem.dag)),
};

export const placeHeft: PlacementScheduler = {
  name: 'heft',
  description:
    'least objective so far (latency: earliest finish) at every place, tasks in descending upward rank',
  schedule: (problem) => earliestObjective('heft', problem, problem.order),
};

export const placeLocal: PlacementScheduler = {
  name: 'local',
  description: 'every task on the device',
  schedule: (problem) => placementResult('local', problem, new Uint8Array(problem.dag.tasks.length)),
};

export const placeRemote: PlacementScheduler = {
  name: 'remote',
  description: 'every task at the one remote place whose all-in plan scores best',
  schedule: (problem) => {
    let best: PlacementResult | undefined;
    for (let p = 1; p < problem.places.length; p++) {
      const r = placementResult('remote', problem, new Uint8Array(problem.dag.tasks.length).fill(p));
      if (!best || r.objective < best.objective) best = r;
    }
    return best!;
  },
};

export const placeRandom: PlacementScheduler = {
  name: 'random',
  description: 'every task at a uniformly random place (seeded)',
  schedule: (problem, options) => {
    // One server: the paper's coin flip, draw for draw (offload when below 1/2).
    const rng = new Rng(options?.seed ?? 0);
    const P = problem.places.length;
    const plan = new Uint8Array(problem.dag.tasks.length);
    for (let i = 0; i < plan.length; i++) {
      const u = rng.next();
      plan[i] = P === 2 ? (u < 0.5 ? 1 : 0) : Math.min(P - 1, Math.floor(u * P));
    }
    return placementResult('random', problem, plan);
  },
};
