/**
 * An offloading problem: one DAG on one system, with its task latencies, its rank order and a
 * simulator, compiled once and shared by every scheduler.
 */
import { PROFILE_RULES } from './profiles.js';
import type { Dag } from '../dag/dag.js';
import { DEFAULT_SYSTEM, taskTimes, validateSystem, type SystemParams, type TaskTimes } from './system.js';
import { rankOrder, upwardRanks, type RankWeight } from './rank.js';
import {
  LatencySimulator,
  parentIndex,
  simulateTimeline,
  type ParentIndex,
  type SimProfile,
  type Timeline,
} from './simulator.js';

export interface ModelOptions {
  profile: SimProfile;
  /** Defaults to `offload` for the paper profile and `min` for the reference profile. */
  rankWeight?: RankWeight;
}

export interface OffloadingProblem {
  readonly dag: Dag;
  readonly system: SystemParams;
  readonly profile: SimProfile;
  readonly rankWeight: RankWeight;
  readonly times: TaskTimes;
  readonly parents: ParentIndex;
  readonly ranks: Float64Array;
  /** Task indices in descending rank (parents first): the scheduling sequence. */
  readonly order: readonly number[];
  /** A simulator for this problem; schedulers reset it before use. */
  readonly simulator: LatencySimulator;
}

export function defaultRankWeight(profile: SimProfile): RankWeight {
  return PROFILE_RULES[profile].rankWeight;
}

export function createProblem(
  dag: Dag,
  system: SystemParams = DEFAULT_SYSTEM,
  options: ModelOptions = { profile: 'paper' },
): OffloadingProblem {
  validateSystem(system);
  const times = taskTimes(dag, system);
  const rankWeight = options.rankWeight ?? defaultRankWeight(options.profile);
  const ranks = upwardRanks(dag, times, rankWeight);
  const order = rankOrder(dag, ranks);
  const parents = parentIndex(dag);
  const simulator = new LatencySimulator(times, parents, options.profile);
  return { dag, system, profile: options.profile, rankWeight, times, parents, ranks, order, simulator };
}

/** The makespan (ms) of a plan, tasks scheduled in `order` (the rank order by default). */
export function makespanOf(
  problem: OffloadingProblem,
  plan: ArrayLike<number>,
  order: ArrayLike<number> = problem.order,
): number {
  return problem.simulator.run(order, plan);
}

export function timelineOf(
  problem: OffloadingProblem,
  plan: ArrayLike<number>,
  order: ArrayLike<number> = problem.order,
): Timeline {
  return simulateTimeline(problem.dag, problem.simulator, order, plan);
}
