/**
 * The offloading MDP played online in a world (docs/world.md): the Gymnasium-shaped counterpart of
 * `OffloadingVectorEnv`. A step decides the next task in rank order at its causal decision time
 * (world/online.ts); the observation is the encoded DAG and the declared online features of the view
 * at that time (rl/online-features.ts), computed from a belief that an estimator keeps from the
 * episode's measurements; the reward is minus the realised makespan's increase over the DAG's
 * all-local makespan, so an episode's return is −(measured makespan) / (all-local makespan).
 *
 * `OnlineVectorEnv` plays B episodes in lockstep (row b: one DAG in one realisation of the world), and
 * stores each step's features in the batch, as PPO's teacher-forced pass needs them.
 */
import type { OffloadingProblem } from '../mec/problem.js';
import type { Lookahead } from '../policy/step-features.js';
import { Belief } from '../world/belief.js';
import { LinkEstimator } from '../world/estimators.js';
import { OnlineEpisode } from '../world/online.js';
import type { WorldInstance } from '../world/world.js';
import { VectorEpisodes, type BoxSpace, type DagRef, type DiscreteSpace } from './env.js';
import { ONLINE_FEATURE_COUNT, OnlineFeatureWriter } from './online-features.js';
import { CONTEXT_FEATURE_COUNT, historyContext, SUMMARY_SIZE, summariseRun } from './world-context.js';

/** What the policy reads: the lookahead of the belief, and whether it reads the features at all. */
export interface OnlineSettings {
  lookahead: Lookahead;
  /**
   * ONLINE_FEATURE_COUNT; with the world's context, ONLINE_FEATURE_COUNT + CONTEXT_FEATURE_COUNT; 0 for
   * a policy that sees no state (the paper's network).
   */
  stepFeatures: number;
}

export const ONLINE_CONTEXT_FEATURE_COUNT = ONLINE_FEATURE_COUNT + CONTEXT_FEATURE_COUNT;

/** One row's machinery, kept across rollouts (no allocation per episode once warm). */
interface Row {
  instance: WorldInstance;
  episode: OnlineEpisode;
  belief: Belief;
  estimator: LinkEstimator;
  writer: OnlineFeatureWriter;
}

/** Per problem and lookahead, the rows made so far (a problem belongs to one world task). */
const rowPools = new WeakMap<OffloadingProblem, Map<Lookahead, Row[]>>();

function rowsFor(ref: DagRef, lookahead: Lookahead, count: number): Row[] {
  const { task, dag } = ref;
  const world = task.world;
  if (!world || !task.task.world)
    throw new Error(`task ${task.task.name} has no world: it is not played online`);
  const problem = task.problems[dag];
  let byLookahead = rowPools.get(problem);
  if (!byLookahead) rowPools.set(problem, (byLookahead = new Map()));
  let pool = byLookahead.get(lookahead);
  if (!pool) byLookahead.set(lookahead, (pool = []));
  while (pool.length < count) {
    const instance = world.instance(problem, dag, task.task.world.seed);
    pool.push({
      instance,
      episode: new OnlineEpisode(instance),
      belief: new Belief(problem),
      estimator: new LinkEstimator(task.estimator!, world.nominal),
      writer: new OnlineFeatureWriter(lookahead === 'none' ? 'heft' : lookahead, problem.order.length),
    });
  }
  return pool;
}

export class OnlineVectorEnv extends VectorEpisodes {
  private readonly rows: Row[];
  private readonly scales: Float64Array;
  private readonly timeScales: Float64Array;
  private readonly nominalUp: Float64Array;
  private readonly nominalDown: Float64Array;
  /** [B × CONTEXT_FEATURE_COUNT]: each row's context, fixed for its episode (policies that read it). */
  private readonly contexts: Float32Array;
  /** [B × SUMMARY_SIZE]: each row's episode summarised once it has ended (world-context.ts). */
  readonly summaries: Float64Array;

  constructor(
    refs: readonly DagRef[],
    readonly settings: OnlineSettings,
  ) {
    super(refs, settings.stepFeatures);
    const S = settings.stepFeatures;
    if (S !== 0 && S !== ONLINE_FEATURE_COUNT && S !== ONLINE_CONTEXT_FEATURE_COUNT)
      throw new Error(
        `online features: the policy reads ${S}, the environment writes ${ONLINE_FEATURE_COUNT} (${ONLINE_CONTEXT_FEATURE_COUNT} with the context)`,
      );
    this.scales = Float64Array.from(refs, (r) => r.task.scales[r.dag]);
    this.timeScales = Float64Array.from(refs, (r) => r.task.timeScales[r.dag]);
    this.nominalUp = Float64Array.from(refs, (r) => 8e3 / r.task.world!.nominal.uplinkBps);
    this.nominalDown = Float64Array.from(refs, (r) => 8e3 / r.task.world!.nominal.downlinkBps);
    const used = new Map<OffloadingProblem, number>();
    this.rows = refs.map((r) => {
      const problem = r.task.problems[r.dag];
      const k = used.get(problem) ?? 0;
      used.set(problem, k + 1);
      return rowsFor(r, settings.lookahead, k + 1)[k];
    });
    this.summaries = new Float64Array(this.B * SUMMARY_SIZE);
    this.contexts = new Float32Array(S === ONLINE_CONTEXT_FEATURE_COUNT ? this.B * CONTEXT_FEATURE_COUNT : 0);
    if (this.contexts.length > 0)
      refs.forEach((r, b) => {
        const at = b * CONTEXT_FEATURE_COUNT;
        if (r.context) this.contexts.set(r.context.subarray(0, CONTEXT_FEATURE_COUNT), at);
        else historyContext(r.task, r.dag, r.contextEpisodes ?? 0, this.contexts, at);
      });
  }

  /** Starts every row's episode in its realisation; returns the features of step 0 ([B × S]). */
  reset(): Float32Array {
    this.rows.forEach((row, b) => {
      const ref = this.refs[b];
      row.instance.realise(
        ref.realisation ?? 0,
        ref.offsetMs === undefined ? {} : { offsetMs: ref.offsetMs },
      );
      row.episode.reset();
      row.estimator.reset();
      row.writer.reset(row.episode.n);
    });
    this.rewards.fill(0);
    this.actions.fill(0);
    this.t = 0;
    this.writeFeatures();
    return this.currentFeatures();
  }

  /** One action per row ([B]; ignored past a row's end); returns the next step's features. */
  stepAll(actions: ArrayLike<number>): Float32Array {
    const { t, T, B } = this;
    if (t >= T) throw new Error('step() called on a finished episode; call reset()');
    for (let b = 0; b < B; b++) {
      const row = this.rows[b];
      if (row.episode.done) continue;
      const a = actions[b];
      if (a !== 0 && a !== 1) throw new RangeError(`action must be 0 or 1, got ${a}`);
      if (this.settings.stepFeatures > 0) row.writer.afterDecision(row.episode, row.belief, a);
      const before = row.episode.makespan;
      row.episode.decide(a);
      this.actions[b * T + t] = a;
      this.rewards[b * T + t] = -(row.episode.makespan - before) / this.scales[b];
      if (row.episode.done) {
        const plan = this.planOf(b);
        summariseRun(
          row.instance,
          plan,
          this.nominalUp[b],
          this.nominalDown[b],
          this.summaries,
          b * SUMMARY_SIZE,
        );
      }
    }
    this.t++;
    if (this.t < T) this.writeFeatures();
    return this.t < T ? this.currentFeatures() : new Float32Array(0);
  }

  /** Row b's realised makespan so far (final once its episode has ended). */
  makespanOf(b: number): number {
    return this.rows[b].episode.makespan;
  }

  /** Row b's episode (its decision times and measurement log). */
  episodeOf(b: number): OnlineEpisode {
    return this.rows[b].episode;
  }

  private writeFeatures(): void {
    const S = this.settings.stepFeatures;
    if (S === 0) return;
    const { t, B } = this;
    for (let b = 0; b < B; b++) {
      const row = this.rows[b];
      if (row.episode.done) continue;
      const at = (t * B + b) * S;
      writeOnlineFeatures(
        row,
        this.nominalUp[b],
        this.nominalDown[b],
        this.timeScales[b],
        this.obs.steps,
        at,
      );
      if (this.contexts.length > 0)
        this.obs.steps.set(
          this.contexts.subarray(b * CONTEXT_FEATURE_COUNT, (b + 1) * CONTEXT_FEATURE_COUNT),
          at + ONLINE_FEATURE_COUNT,
        );
    }
  }
}

/** The estimator takes in the view's measurements, the belief observes the view, the writer writes. */
function writeOnlineFeatures(
  row: Row,
  nominalUp: number,
  nominalDown: number,
  scale: number,
  out: Float32Array,
  at: number,
): void {
  const { episode, estimator, belief } = row;
  estimator.update(episode.log);
  estimator.observeRunning(episode);
  belief.setFromEstimator(estimator);
  belief.observe(episode);
  row.writer.write(episode, belief, estimator, nominalUp, nominalDown, scale, out, at);
}

/** Gymnasium's single-episode API over one row. */
export class OnlineEnv {
  private readonly env: OnlineVectorEnv;
  private readonly action = new Uint8Array(1);
  readonly actionSpace: DiscreteSpace;
  readonly observationSpace: { tasks: BoxSpace; steps: BoxSpace };

  constructor(
    ref: DagRef,
    settings: OnlineSettings = { lookahead: 'heft', stepFeatures: ONLINE_FEATURE_COUNT },
  ) {
    this.env = new OnlineVectorEnv([ref], settings);
    this.actionSpace = this.env.actionSpace;
    this.observationSpace = this.env.observationSpace;
  }

  reset(): {
    observation: { tasks: Float32Array; steps: Float32Array; step: number };
    info: { tasks: number };
  } {
    this.env.reset();
    return { observation: this.observe(), info: { tasks: this.env.T } };
  }

  step(action: number): {
    observation: { tasks: Float32Array; steps: Float32Array; step: number };
    reward: number;
    terminated: boolean;
    truncated: boolean;
    info: { makespanMs: number; decisionTimeMs: number };
  } {
    const t = this.env.step;
    const episode = this.env.episodeOf(0);
    const decisionTimeMs = episode.now;
    this.action[0] = action;
    this.env.stepAll(this.action);
    return {
      observation: this.observe(),
      reward: this.env.rewards[t],
      terminated: episode.done,
      truncated: false,
      info: { makespanMs: episode.makespan, decisionTimeMs },
    };
  }

  private observe(): { tasks: Float32Array; steps: Float32Array; step: number } {
    const t = this.env.step;
    return {
      tasks: this.env.obs.x,
      steps: t < this.env.T ? this.env.currentFeatures().slice() : new Float32Array(0),
      step: t,
    };
  }
}
