/**
 * One interface for every offloading scheduler (in the spirit of SAGA): a scheduler takes an
 * offloading problem and returns a plan, the order it was simulated in, and its makespan.
 */
import type { OffloadingProblem } from '../mec/problem.js';

export interface ScheduleResult {
  readonly scheduler: string;
  /** plan[i] = 1 when task i is offloaded, 0 when it runs on the UE (task index order). */
  readonly plan: Uint8Array;
  /** The scheduling sequence the makespan was computed in. */
  readonly order: readonly number[];
  readonly makespanMs: number;
  /** Scheduler-specific figures (Optimal: nodes explored, proof status). */
  readonly stats?: Readonly<Record<string, number | boolean>>;
}

export interface ScheduleOptions {
  /** Seed for randomised schedulers. */
  seed?: number;
  /** Optimal: stop searching after this many milliseconds (then `proven` is false). */
  timeLimitMs?: number;
  /** Schedulers that take long on one DAG (rollouts) report the share of it done, 0 to 1. */
  onProgress?: (fraction: number) => void;
}

export interface Scheduler {
  readonly name: string;
  readonly description: string;
  schedule(problem: OffloadingProblem, options?: ScheduleOptions): ScheduleResult;
}

/** Evaluates a fixed plan in the problem's rank order. */
export function resultOf(
  scheduler: string,
  problem: OffloadingProblem,
  plan: Uint8Array,
  order: readonly number[] = problem.order,
): ScheduleResult {
  return {
    scheduler,
    plan,
    order,
    makespanMs: problem.simulator.run(order, plan),
    stats: { modelSteps: order.length },
  };
}
