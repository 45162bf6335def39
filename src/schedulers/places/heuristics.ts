/**
 * Schedulers over several places (one interface, as for the paper's two): every task placed at the
 * place its rule prefers, judged by the problem's objective.
 *
 * The earliest-objective rule generalises HEFT's earliest finish: each task in turn goes where the
 * objective of the plan so far (its makespan and active energy with this task added) is least, a tie
 * broken by the earlier finish. For the latency objective that is the earliest finish itself. Places
 * are tried servers first, then the cloud, then the device, and a later place must be strictly better:
 * with one server, a tie goes to the edge server as in the paper's experiments.
 */
import { topologicalOrder } from '../../dag/dag.js';
import { objectiveValue } from '../../mec/places/objective.js';
import { scorePlan, type PlacementProblem, type PlanScore } from '../../mec/places/problem.js';
import { DEVICE } from '../../mec/places/simulator.js';
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
