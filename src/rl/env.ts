/**
 * The offloading MDP of Sec. 4.2 with a Gymnasium-shaped API: the one place where episodes are played.
 * One episode schedules one DAG: an action decides the next task in rank order (0 = run on the UE,
 * 1 = offload), the reward is minus the increase of the makespan (ΔT^c) divided by the DAG's
 * all-local makespan, so that an episode's undiscounted return is −makespan / all-local makespan.
 *
 * The observation of step j is the encoded DAG (fixed per episode), the partial plan and, for a policy
 * that sees the state, the step features of the simulator state (policy/step-features.ts).
 *
 * `OffloadingVectorEnv` plays B episodes in lockstep, one simulator per row (rows may share a DAG), and
 * writes each step's features into the batch's `steps` so that they are stored with the trajectory;
 * `OffloadingEnv` is one episode of it.
 */
import { LatencySimulator } from '../mec/simulator.js';
import type { OffloadingProblem } from '../mec/problem.js';
import { batchObservations, type ObservationBatch } from '../policy/observation.js';
import { StepFeatureWriter, type Lookahead } from '../policy/step-features.js';
import type { CompiledTask } from './learning-task.js';

/** A DAG of a compiled task (in a world: in one of its realisations). */
export interface DagRef {
  task: CompiledTask;
  dag: number;
  /** A world task's realisation of the episode (world/world.ts). */
  realisation?: number;
  /** A trace offset instead of the realisation's drawn one (ms). */
  offsetMs?: number;
  /** A policy reading the world's context: the context features of this episode (rl/world-context.ts) … */
  context?: Float32Array;
  /** … or, in training, those of this many history episodes of the DAG. */
  contextEpisodes?: number;
}

/** Gymnasium-style space declarations. */
export interface BoxSpace {
  kind: 'box';
  shape: readonly number[];
}
export interface DiscreteSpace {
  kind: 'discrete';
  n: number;
}

/** What a policy is shown at each step, and which of its features are produced by the environment. */
export interface ObservationSettings {
  /** S: step features per decision (0: the policy does not see the state). */
  stepFeatures: number;
  lookahead: Lookahead;
}

/** Extra simulators per DAG for rows that share it; kept across rollouts (no allocation per episode). */
const simulatorPools = new WeakMap<OffloadingProblem, LatencySimulator[]>();

function simulatorsFor(problem: OffloadingProblem, count: number): LatencySimulator[] {
  let pool = simulatorPools.get(problem);
  if (!pool) simulatorPools.set(problem, (pool = []));
  while (pool.length < count)
    pool.push(new LatencySimulator(problem.times, problem.parents, problem.profile));
  return pool;
}

/**
 * What every vectorised environment holds: B episodes in lockstep, the batch the policy reads (encoded
 * DAGs, time-major, and the step features as played), rewards and actions [B × T] batch-major.
 */
export abstract class VectorEpisodes {
  readonly B: number;
  readonly T: number;
  readonly obs: ObservationBatch;
  readonly rewards: Float32Array;
  readonly actions: Uint8Array;
  readonly actionSpace: DiscreteSpace = { kind: 'discrete', n: 2 };
  readonly observationSpace: { tasks: BoxSpace; steps: BoxSpace };
  /** The decision step all rows are at. */
  protected t = 0;

  constructor(
    readonly refs: readonly DagRef[],
    stepFeatures: number,
  ) {
    this.B = refs.length;
    const features = refs.length > 0 ? refs[0].task.features : 0;
    this.obs = batchObservations(
      refs.map((r) => r.task.encoded[r.dag]),
      features,
      stepFeatures,
    );
    this.T = this.obs.T;
    this.rewards = new Float32Array(this.B * this.T);
    this.actions = new Uint8Array(this.B * this.T);
    this.observationSpace = {
      tasks: { kind: 'box', shape: [this.T, features] },
      steps: { kind: 'box', shape: [stepFeatures] },
    };
  }

  get step(): number {
    return this.t;
  }

  /** [B × S]: the step features of the current step (rows past their DAG's end are zero). */
  currentFeatures(): Float32Array {
    const S = this.obs.stepFeatures;
    return this.obs.steps.subarray(this.t * this.B * S, (this.t + 1) * this.B * S);
  }

  /** Row b's plan in task-index order (after the episode). */
  planOf(b: number): Uint8Array {
    const order = this.refs[b].task.problems[this.refs[b].dag].order;
    const plan = new Uint8Array(order.length);
    order.forEach((task, k) => (plan[task] = this.actions[b * this.T + k]));
    return plan;
  }
}

export class OffloadingVectorEnv extends VectorEpisodes {
  private readonly sims: LatencySimulator[];
  private readonly problems: OffloadingProblem[];
  private readonly scales: Float64Array;
  private readonly timeScales: Float64Array;
  private readonly writer: StepFeatureWriter;

  constructor(
    refs: readonly DagRef[],
    readonly settings: ObservationSettings,
  ) {
    super(refs, settings.stepFeatures);
    this.problems = refs.map((r) => r.task.problems[r.dag]);
    this.scales = Float64Array.from(refs, (r) => r.task.scales[r.dag]);
    this.timeScales = Float64Array.from(refs, (r) => r.task.timeScales[r.dag]);
    const used = new Map<OffloadingProblem, number>();
    this.sims = this.problems.map((p) => {
      const k = used.get(p) ?? 0;
      used.set(p, k + 1);
      return simulatorsFor(p, k + 1)[k];
    });
    this.writer = new StepFeatureWriter(settings.lookahead);
    if (settings.stepFeatures > 0 && settings.stepFeatures !== this.writer.count)
      throw new Error(
        `step features: the policy reads ${settings.stepFeatures}, the environment writes ${this.writer.count}`,
      );
  }

  /** Starts every episode; returns the step features of step 0 ([B × S], a view into obs.steps). */
  reset(): Float32Array {
    for (const sim of this.sims) sim.reset();
    this.rewards.fill(0);
    this.actions.fill(0);
    this.t = 0;
    this.writeFeatures();
    return this.currentFeatures();
  }

  /**
   * Takes one action per row ([B]; ignored for rows whose episode has ended) and advances to the next
   * step; returns the next step's features ([B × S]; empty after the last step).
   */
  stepAll(actions: ArrayLike<number>): Float32Array {
    const { t, T, B } = this;
    if (t >= T) throw new Error('step() called on a finished episode; call reset()');
    for (let b = 0; b < B; b++) {
      const p = this.problems[b];
      if (t >= p.order.length) continue;
      const a = actions[b];
      if (a !== 0 && a !== 1) throw new RangeError(`action must be 0 or 1, got ${a}`);
      const sim = this.sims[b];
      const before = sim.makespan;
      sim.step(p.order[t], a);
      this.actions[b * T + t] = a;
      this.rewards[b * T + t] = -(sim.makespan - before) / this.scales[b];
    }
    this.t++;
    if (this.t < T) this.writeFeatures();
    return this.t < T ? this.currentFeatures() : new Float32Array(0);
  }

  /** Row b's makespan so far (the final makespan once its episode has ended). */
  makespanOf(b: number): number {
    return this.sims[b].makespan;
  }

  /** Row b's simulator (its state is the row's partial plan). */
  simulatorOf(b: number): LatencySimulator {
    return this.sims[b];
  }

  private writeFeatures(): void {
    const S = this.settings.stepFeatures;
    if (S === 0) return;
    const { t, B } = this;
    for (let b = 0; b < B; b++) {
      const p = this.problems[b];
      if (t >= p.order.length) continue;
      this.writer.write(this.sims[b], p.order, t, this.timeScales[b], this.obs.steps, (t * B + b) * S);
    }
  }
}

export interface OffloadingObservation {
  /** The encoded DAG [n × features], tasks in scheduling order. */
  readonly tasks: Float32Array;
  /** Decisions so far, in scheduling order (−1 = not decided yet). */
  readonly plan: Int8Array;
  /** Index of the task to decide next. */
  readonly step: number;
  /** The step features of the current state (empty when the observation has none). */
  readonly steps: Float32Array;
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

/** One episode: a vector environment of one row. */
export class OffloadingEnv {
  private readonly env: OffloadingVectorEnv;
  private readonly plan: Int8Array;
  private readonly action = new Uint8Array(1);
  readonly actionSpace: DiscreteSpace;
  readonly observationSpace: { tasks: BoxSpace; steps: BoxSpace };

  constructor(ref: DagRef, settings: ObservationSettings = { stepFeatures: 0, lookahead: 'none' }) {
    this.env = new OffloadingVectorEnv([ref], settings);
    this.plan = new Int8Array(this.env.T).fill(-1);
    this.actionSpace = this.env.actionSpace;
    this.observationSpace = this.env.observationSpace;
  }

  static fromTask(task: CompiledTask, dag: number, settings?: ObservationSettings): OffloadingEnv {
    return new OffloadingEnv({ task, dag }, settings);
  }

  get length(): number {
    return this.env.T;
  }

  /** The environment is deterministic; `seed` is accepted for API compatibility. */
  reset(_options: { seed?: number } = {}): {
    observation: OffloadingObservation;
    info: { tasks: number; scale: number };
  } {
    this.env.reset();
    this.plan.fill(-1);
    const ref = this.env.refs[0];
    return { observation: this.observe(), info: { tasks: this.length, scale: ref.task.scales[ref.dag] } };
  }

  step(action: number): StepResult {
    const t = this.env.step;
    if (t >= this.length) throw new Error('step() called on a finished episode; call reset()');
    if (action !== 0 && action !== 1) throw new RangeError(`action must be 0 or 1, got ${action}`);
    this.action[0] = action;
    this.env.stepAll(this.action);
    this.plan[t] = action;
    const ref = this.env.refs[0];
    const task = ref.task.problems[ref.dag].order[t];
    const sim = this.env.simulatorOf(0);
    return {
      observation: this.observe(),
      reward: this.env.rewards[t],
      terminated: t + 1 === this.length,
      truncated: false,
      info: { makespanMs: sim.makespan, finishMs: action === 0 ? sim.ftUe[task] : sim.ftDl[task], task },
    };
  }

  private observe(): OffloadingObservation {
    const t = this.env.step;
    return {
      tasks: this.env.obs.x,
      plan: this.plan.slice(),
      step: t,
      steps: t < this.length ? this.env.currentFeatures().slice() : new Float32Array(0),
    };
  }
}
