/**
 * A placement problem: one DAG on a system of several places, judged by one objective, compiled once
 * and shared by every scheduler (the several-place counterpart of mec/problem.ts).
 */
import type { Dag } from '../../dag/dag.js';
import { defaultRankWeight } from '../problem.js';
import type { SimProfile } from '../profiles.js';
import { rankOrder, upwardRanksBy, type RankWeight } from '../rank.js';
import { parentIndex, type ParentIndex } from '../simulator.js';
import { objectiveValue, type LocalReference, type Objective } from './objective.js';
import { DEVICE, PlaceSimulator, type PlaceTaskTimeline } from './simulator.js';
import { placeNames, type SystemSpec } from './system-spec.js';
import { placeTimes, remoteChain, type PlaceTimes } from './times.js';

export interface PlacementOptions {
  profile: SimProfile;
  objective: Objective;
  rankWeight?: RankWeight;
}

export interface PlacementProblem {
  readonly dag: Dag;
  readonly spec: SystemSpec;
  readonly places: readonly string[];
  readonly profile: SimProfile;
  readonly objective: Objective;
  readonly rankWeight: RankWeight;
  readonly times: PlaceTimes;
  readonly parents: ParentIndex;
  readonly ranks: Float64Array;
  /** Task indices in descending rank (parents first): the scheduling sequence. */
  readonly order: readonly number[];
  /** The all-local plan's makespan and energy (QoE's reference). */
  readonly local: LocalReference;
  readonly simulator: PlaceSimulator;
}

/** A plan's makespan, device energy and objective value. */
export interface PlanScore {
  readonly makespanMs: number;
  readonly energyMj: number;
  readonly objective: number;
}

export function createPlacementProblem(
  dag: Dag,
  spec: SystemSpec,
  options: PlacementOptions,
): PlacementProblem {
  const times = placeTimes(dag, spec);
  const rankWeight = options.rankWeight ?? defaultRankWeight(options.profile);
  const ranks = placeRanks(dag, times, rankWeight);
  const order = rankOrder(dag, ranks);
  const parents = parentIndex(dag);
  const simulator = new PlaceSimulator(times, parents, options.profile);
  simulator.run(order, new Uint8Array(dag.tasks.length));
  const local = { makespanMs: simulator.makespan, energyMj: simulator.totalEnergy(order) };
  return {
    dag,
    spec,
    places: placeNames(spec),
    profile: options.profile,
    objective: options.objective,
    rankWeight,
    times,
    parents,
    ranks,
    order,
    local,
    simulator,
  };
}

/** Makespan, energy and objective of a plan, tasks added in `order` (the rank order by default). */
export function scorePlan(
  problem: PlacementProblem,
  plan: ArrayLike<number>,
  order: ArrayLike<number> = problem.order,
): PlanScore {
  const sim = problem.simulator;
  const makespanMs = sim.run(order, plan);
  const energyMj = sim.totalEnergy(order);
  return {
    makespanMs,
    energyMj,
    objective: objectiveValue(problem.objective, makespanMs, energyMj, problem.local),
  };
}

/** The simulator's objective now, after the tasks `added`. */
export function objectiveNow(problem: PlacementProblem, added: ArrayLike<number>): number {
  const sim = problem.simulator;
  return objectiveValue(problem.objective, sim.makespan, sim.totalEnergy(added), problem.local);
}

/** Per task, where it ran and its stages, in scheduling order. */
export function placeTimeline(
  problem: PlacementProblem,
  plan: ArrayLike<number>,
  order: ArrayLike<number> = problem.order,
): PlaceTaskTimeline[] {
  const sim = problem.simulator;
  sim.reset();
  const tasks: PlaceTaskTimeline[] = [];
  for (let k = 0; k < order.length; k++) {
    sim.step(order[k], plan[order[k]]);
    tasks.push(sim.timelineOf(order[k]));
  }
  return tasks;
}

/** Each place's share of the tasks (the device first). */
export function placeShares(problem: PlacementProblem, plan: ArrayLike<number>): number[] {
  const counts = new Array<number>(problem.places.length).fill(0);
  for (let i = 0; i < plan.length; i++) counts[plan[i]]++;
  return counts.map((c) => (plan.length > 0 ? c / plan.length : 0));
}

/** Checks that a plan places every task at an existing place (the library's guard for plans read in). */
export function validPlan(problem: PlacementProblem, plan: ArrayLike<number>): boolean {
  if (plan.length !== problem.dag.tasks.length) return false;
  for (let i = 0; i < plan.length; i++)
    if (!Number.isInteger(plan[i]) || plan[i] < DEVICE || plan[i] >= problem.places.length) return false;
  return true;
}

/**
 * The upward rank (Eq. 10) with a task's weight over several places: `offload` takes its fastest
 * remote chain, `min` the smaller of that and its local time (one server: the paper's weights).
 */
function placeRanks(dag: Dag, times: PlaceTimes, weight: RankWeight): Float64Array {
  return upwardRanksBy(dag, (i) => {
    let best = Infinity;
    for (let p = 1; p < times.places; p++) {
      const c = remoteChain(times, p, i);
      if (c < best) best = c;
    }
    return weight === 'offload' ? best : Math.min(times.local[i], best);
  });
}
