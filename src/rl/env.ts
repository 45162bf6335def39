/**
 * The offloading MDP of Sec. 4.2 with a Gymnasium-shaped API. One episode schedules one DAG: the
 * state is the encoded DAG and the partial plan, an action decides the next task in rank order
 * (0 = run on the UE, 1 = offload), and the reward is minus the increase of the makespan (ΔT^c)
 * divided by the DAG's all-local makespan, so that an episode's undiscounted return is
 * −makespan / all-local makespan.
 */
import type { OffloadingProblem } from '../mec/problem.js';
import type { CompiledTask } from './learning-task.js';

export interface OffloadingObservation {
  /** The encoded DAG [n × features], tasks in scheduling order. */
  readonly tasks: Float32Array;
  /** Decisions so far, in scheduling order (−1 = not decided yet). */
  readonly plan: Int8Array;
  /** Index of the task to decide next. */
  readonly step: number;
}

export interface StepInfo {
  /** The makespan of the tasks decided so far, ms. */
  makespanMs: number;
  /** The decided task's finish time, ms. */
  finishMs: number;
  task: number;
}

export interface StepResult {
  observation: OffloadingObservation;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

export class OffloadingEnv {
  private readonly plan: Int8Array;
  private t = 0;

  constructor(
    readonly problem: OffloadingProblem,
    readonly encoded: Float32Array,
    /** Reward scale (the all-local makespan by default). */
    readonly scale: number,
  ) {
    this.plan = new Int8Array(problem.order.length).fill(-1);
  }

  static fromTask(task: CompiledTask, dag: number): OffloadingEnv {
    return new OffloadingEnv(task.problems[dag], task.encoded[dag], task.scales[dag]);
  }

  get length(): number {
    return this.problem.order.length;
  }

  /** The environment is deterministic; `seed` is accepted for API compatibility. */
  reset(_options: { seed?: number } = {}): {
    observation: OffloadingObservation;
    info: { tasks: number; scale: number };
  } {
    this.problem.simulator.reset();
    this.plan.fill(-1);
    this.t = 0;
    return { observation: this.observe(), info: { tasks: this.length, scale: this.scale } };
  }

  step(action: number): StepResult {
    if (this.t >= this.length) throw new Error('step() called on a finished episode; call reset()');
    if (action !== 0 && action !== 1) throw new RangeError(`action must be 0 or 1, got ${action}`);
    const sim = this.problem.simulator;
    const before = sim.makespan;
    const task = this.problem.order[this.t];
    const finishMs = sim.step(task, action);
    this.plan[this.t] = action;
    this.t++;
    const reward = -(sim.makespan - before) / this.scale;
    return {
      observation: this.observe(),
      reward,
      terminated: this.t === this.length,
      truncated: false,
      info: { makespanMs: sim.makespan, finishMs, task },
    };
  }

  private observe(): OffloadingObservation {
    return { tasks: this.encoded, plan: this.plan.slice(), step: this.t };
  }
}
