/**
 * Deciders: who chooses each task's action in the world (docs/world.md, "Deciders"). One interface for
 * plans made up front and for decisions taken online; every decider plays the online protocol, a plan
 * made up front simply being followed.
 *
 *   up front, nominal model:   local, remote, greedy, heft, heft-rollout, heft-rollout:D
 *   up front, identified:      identified:heft, identified:heft-rollout, identified:heft-rollout:D
 *                              (the latency model fitted on this DAG's earlier episodes, by least squares)
 *   online, earliest finish:   online[:ESTIMATOR[:PESSIMISM]]   (estimator last | ewma | nominal)
 *   online, re-planning:       replan[:ESTIMATOR[:PESSIMISM]]   (HEFT-rollout of the remaining tasks)
 *   online, knows the law:     law[:SAMPLES]                    (a Markov channel only)
 *   references:                true-state (the online rule given the links' true current rates),
 *                              clairvoyant (the optimum of each realisation, knowing its future)
 */
import {
  completeEarliestFinish,
  newResourceState,
  restoreResources,
  RolloutCompleter,
  saveResources,
} from '../mec/completion.js';
import type { TaskWork } from '../mec/capacity.js';
import type { OffloadingProblem } from '../mec/problem.js';
import { LatencySimulator, LOCAL, OFFLOAD } from '../mec/simulator.js';
import type { TaskTimes } from '../mec/system.js';
import { greedy, heft } from '../schedulers/earliest-finish.js';
import { allLocal, allRemote } from '../schedulers/fixed.js';
import { heftRolloutPlan, MAX_ROLLOUT_DEPTH } from '../schedulers/heft-rollout.js';
import type { Scheduler } from '../schedulers/scheduler.js';
import { InputError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { streamRng } from '../util/rng-streams.js';
import { Belief, fillObservedState, type PredictionLinks } from './belief.js';
import { clairvoyantPlan, type ClairvoyantStats } from './clairvoyant.js';
import {
  DEFAULT_ESTIMATOR,
  ESTIMATOR_KINDS,
  LinkEstimator,
  type EstimatorKind,
  type EstimatorSpec,
} from './estimators.js';
import { identifyModel } from './identify.js';
import { MarkovStates } from './markov.js';
import type { OnlineView } from './online.js';
import { MAX_REALISATIONS, nominalWork, type WorldInstance } from './world.js';

/** What a decider is told before an episode. */
export interface EpisodeContext {
  readonly instance: WorldInstance;
  /** The realisation being played (its streams). */
  readonly realisation: number;
  /** The time limit of the clairvoyant optimum per realisation, ms. */
  readonly timeLimitMs: number;
}

export type DeciderKind = 'up front' | 'online' | 'reference';

export interface Decider {
  readonly name: string;
  readonly kind: DeciderKind;
  readonly description: string;
  /** Before each episode (an up-front plan is made here, once per DAG when it does not depend on the realisation). */
  start(ctx: EpisodeContext): void;
  /** The action of `view.task` at `view.now`. */
  decide(view: OnlineView): number;
  /** After each episode, with its last view (a decider that learns from its episodes takes them in). */
  finish?(ctx: EpisodeContext, view: OnlineView): void;
  /** Figures of the last episode (the clairvoyant's proof status). */
  readonly stats?: Readonly<Record<string, number | boolean>>;
}

/** An up-front plan, computed once per DAG by `make` and followed in every realisation. */
class PlanDecider implements Decider {
  readonly kind: DeciderKind = 'up front';
  private readonly plans = new WeakMap<OffloadingProblem, Uint8Array>();
  private plan: Uint8Array = new Uint8Array(0);

  constructor(
    readonly name: string,
    readonly description: string,
    private readonly make: (instance: WorldInstance) => Uint8Array,
  ) {}

  start(ctx: EpisodeContext): void {
    const problem = ctx.instance.problem;
    let plan = this.plans.get(problem);
    if (!plan) this.plans.set(problem, (plan = this.make(ctx.instance)));
    this.plan = plan;
  }

  decide(view: OnlineView): number {
    return this.plan[view.task];
  }
}

/** A scheduler's plan on a problem whose order is the world's (the nominal rank order). */
function planOn(scheduler: Scheduler | number, problem: OffloadingProblem): Uint8Array {
  if (typeof scheduler === 'number') return heftRolloutPlan(problem, scheduler).plan;
  return scheduler.schedule(problem).plan;
}

/** Per problem, one belief (its buffers reused across episodes). */
function beliefFor(cache: WeakMap<OffloadingProblem, Belief>, problem: OffloadingProblem): Belief {
  let belief = cache.get(problem);
  if (!belief) cache.set(problem, (belief = new Belief(problem)));
  return belief;
}

/** Online: the earliest predicted finish (HEFT's rule) on the running estimates, or re-planning by rollout. */
class EstimateDecider implements Decider {
  readonly kind: DeciderKind = 'online';
  private readonly beliefs = new WeakMap<OffloadingProblem, Belief>();
  private belief!: Belief;
  private estimator!: LinkEstimator;
  private readonly estimators = new WeakMap<OffloadingProblem, LinkEstimator>();
  private readonly rollout = new RolloutCompleter();

  constructor(
    readonly name: string,
    readonly description: string,
    private readonly spec: EstimatorSpec,
    /** 0: the earliest-finish rule; d ≥ 1: the depth-d HEFT-rollout of the remaining tasks. */
    private readonly depth: number,
  ) {}

  start(ctx: EpisodeContext): void {
    const problem = ctx.instance.problem;
    this.belief = beliefFor(this.beliefs, problem);
    let e = this.estimators.get(problem);
    if (!e) this.estimators.set(problem, (e = new LinkEstimator(this.spec, ctx.instance.world.nominal)));
    e.reset();
    this.estimator = e;
  }

  decide(view: OnlineView): number {
    this.estimator.update(view.log);
    this.estimator.observeRunning(view);
    this.belief.setFromEstimator(this.estimator);
    this.belief.observe(view);
    const sim = this.belief.sim;
    if (this.depth === 0) return sim.earliestAction(view.task);
    return this.rollout.decide(sim, view.problem.order, view.position, this.depth);
  }
}

/** Reference: the earliest-finish rule on the links' true current rates (not their future). */
class TrueStateDecider implements Decider {
  readonly name = 'true-state';
  readonly kind: DeciderKind = 'reference';
  readonly description = "the online rule given the links' and the VM's true current rates (not the future)";
  private readonly beliefs = new WeakMap<OffloadingProblem, Belief>();
  private belief!: Belief;
  private instance!: WorldInstance;

  start(ctx: EpisodeContext): void {
    this.instance = ctx.instance;
    this.belief = beliefFor(this.beliefs, ctx.instance.problem);
  }

  decide(view: OnlineView): number {
    const rates = this.instance.currentRates(view.now);
    const latency = this.instance.world.spec.transferLatency;
    const setUp = latency ? latency.ms + (latency.jitterMs ?? 0) : 0;
    const perByte = (r: number) => (r > 1e-12 ? 1 / r : 1e12);
    this.belief.setEstimates(perByte(rates.up), perByte(rates.down), setUp, setUp, 1 / rates.mec);
    this.belief.observe(view);
    return this.belief.sim.earliestAction(view.task);
  }
}

/**
 * Knows the Markov channel's law: for each action, the mean makespan over sampled futures of the
 * channel (the same futures for both actions), the rest of the DAG completed by the earliest-finish
 * rule in each future. The current state is inferred from the last finished transfer (the state whose
 * rate is nearest its measured throughput, at its end) and propagated by the law to now; before any
 * measurement, a stationary draw.
 */
class LawDecider implements Decider {
  readonly kind: DeciderKind = 'online';
  readonly description: string;
  private instance!: WorldInstance;
  private rng!: Rng;
  private markov?: MarkovStates;
  private sim?: LatencySimulator;
  private work?: TaskWork;
  private readonly estimators = new WeakMap<OffloadingProblem, LinkEstimator>();
  private estimator!: LinkEstimator;
  private readonly saved = newResourceState();
  private links!: PredictionLinks & { uplinkLatencyMs: number; downlinkLatencyMs: number };

  constructor(
    readonly name: string,
    private readonly samples: number,
  ) {
    this.description = `knows the Markov channel's law: the lower mean makespan over ${samples} sampled futures`;
  }

  start(ctx: EpisodeContext): void {
    const instance = ctx.instance;
    const links = instance.world.spec.links;
    if (links?.kind !== 'markov')
      throw new InputError(`decider ${this.name}: needs a world whose links are a Markov channel`);
    if (this.instance?.problem !== instance.problem) {
      const problem = instance.problem;
      const dag = problem.dag;
      this.markov = new MarkovStates(links, new Rng(0));
      this.work = nominalWork(dag);
      const times: TaskTimes = {
        local: problem.times.local,
        uplink: problem.times.uplink,
        mec: problem.times.mec,
        downlink: problem.times.downlink,
      };
      this.sim = new LatencySimulator(times, problem.parents, problem.profile);
      this.sim.setDynamics({
        paths: { ue: null, uplink: this.markov.uplink, mec: null, downlink: this.markov.downlink },
        work: this.work,
      });
      this.links = {
        uplink: this.markov.uplink,
        downlink: this.markov.downlink,
        uplinkLatencyMs: 0,
        downlinkLatencyMs: 0,
      };
    }
    this.instance = instance;
    let e = this.estimators.get(instance.problem);
    if (!e)
      this.estimators.set(
        instance.problem,
        (e = new LinkEstimator(DEFAULT_ESTIMATOR, instance.world.nominal)),
      );
    e.reset();
    this.estimator = e;
    this.rng = streamRng(
      instance.seed,
      'deciderSamples',
      instance.dagIndex * MAX_REALISATIONS + ctx.realisation,
    );
  }

  decide(view: OnlineView): number {
    const markov = this.markov!;
    const sim = this.sim!;
    const work = this.work!;
    this.estimator.update(view.log);
    this.links.uplinkLatencyMs = this.estimator.uplinkLatencyMs;
    this.links.downlinkLatencyMs = this.estimator.downlinkLatencyMs;
    work.uplinkLatency.fill(this.estimator.uplinkLatencyMs);
    work.downlinkLatency.fill(this.estimator.downlinkLatencyMs);
    const { state, at } = this.lastState(view);
    const order = view.problem.order;
    let sumLocal = 0;
    let sumOffload = 0;
    for (let s = 0; s < this.samples; s++) {
      markov.restart(
        new Rng(this.rng.nextUint32()),
        state < 0 ? view.now : at,
        state < 0 ? undefined : state,
      );
      fillObservedState(sim, work, this.links, view);
      const before = saveResources(sim, this.saved);
      sim.step(view.task, LOCAL);
      sumLocal += completeEarliestFinish(sim, order, view.position + 1);
      restoreResources(sim, before);
      sim.step(view.task, OFFLOAD);
      sumOffload += completeEarliestFinish(sim, order, view.position + 1);
      restoreResources(sim, before);
    }
    return sumLocal < sumOffload ? LOCAL : OFFLOAD;
  }

  /** The state at the end of the last finished transfer (the rate nearest its throughput), or -1. */
  private lastState(view: OnlineView): { state: number; at: number } {
    const log = view.log;
    const states = this.markov!.spec.states;
    for (let k = log.count - 1; k >= 0; k--) {
      if (log.kind[k] > 1 || log.work[k] <= 0) continue;
      const flowing = log.end[k] - log.start[k] - log.latency[k];
      if (flowing <= 0) continue;
      const mbps = (log.work[k] * 8) / flowing / 1e3;
      let best = 0;
      let bestDistance = Infinity;
      states.forEach((st, a) => {
        const rate = log.kind[k] === 0 ? st.upMbps : st.downMbps;
        const d = Math.abs(Math.log(Math.max(rate, 1e-9) / Math.max(mbps, 1e-9)));
        if (d < bestDistance) {
          bestDistance = d;
          best = a;
        }
      });
      return { state: best, at: log.end[k] };
    }
    return { state: -1, at: view.now };
  }
}

/** Reference: the optimum of each realisation, knowing its whole future (branch and bound). */
class ClairvoyantDecider implements Decider {
  readonly name = 'clairvoyant';
  readonly kind: DeciderKind = 'reference';
  readonly description = 'the optimum of each realisation, knowing its future (exact branch and bound)';
  private plan: Uint8Array = new Uint8Array(0);
  stats: ClairvoyantStats = { proven: false, nodes: 0, timeMs: 0 };

  start(ctx: EpisodeContext): void {
    const result = clairvoyantPlan(ctx.instance, ctx.timeLimitMs);
    this.plan = result.plan;
    this.stats = result.stats;
  }

  decide(view: OnlineView): number {
    return this.plan[view.task];
  }
}

/** The decider of a name (see the file's comment); one line naming the name when it is unknown. */
export function deciderByName(name: string): Decider {
  const parts = name.split(':');
  const head = parts[0];
  const upFront: Record<string, Scheduler> = { local: allLocal, remote: allRemote, greedy, heft };
  if (parts.length === 1 && upFront[head]) {
    const s = upFront[head];
    return new PlanDecider(name, `up front on the nominal model: ${s.description}`, (inst) =>
      planOn(s, inst.problem),
    );
  }
  if (head === 'heft-rollout') {
    const depth = rolloutDepth(name, parts[1]);
    return new PlanDecider(name, `up front on the nominal model: HEFT-rollout at depth ${depth}`, (inst) =>
      planOn(depth, inst.problem),
    );
  }
  if (head === 'identified') {
    const inner = parts.slice(1).join(':');
    const scheduler: Scheduler | number | undefined =
      inner === 'heft'
        ? heft
        : inner.startsWith('heft-rollout')
          ? rolloutDepth(name, inner.split(':')[1])
          : undefined;
    if (scheduler === undefined) throw unknown(name, 'identified:heft, identified:heft-rollout[:D]');
    return new PlanDecider(
      name,
      `up front on the model identified from ${HISTORY_EPISODES} earlier episodes: ${inner}`,
      (inst) => planOn(scheduler, identifyModel(inst, HISTORY_EPISODES)),
    );
  }
  if (head === 'online' || head === 'replan') {
    const spec = estimatorOf(name, parts[1], parts[2]);
    const depth = head === 'online' ? 0 : 1;
    const what = head === 'online' ? 'the earliest predicted finish' : 'HEFT-rollout of the remaining tasks';
    return new EstimateDecider(
      name,
      `online: ${what} on the ${spec.kind} estimate${spec.pessimism !== 1 ? `, pessimism ${spec.pessimism}` : ''}`,
      spec,
      depth,
    );
  }
  if (head === 'law') {
    const samples = parts[1] === undefined ? 32 : Number(parts[1]);
    if (!Number.isInteger(samples) || samples < 1 || samples > 4096)
      throw new InputError(`decider "${name}": samples must be an integer from 1 to 4096`);
    return new LawDecider(name, samples);
  }
  if (name === 'true-state') return new TrueStateDecider();
  if (name === 'clairvoyant') return new ClairvoyantDecider();
  throw unknown(name);
}

/** Earlier episodes the identified model is fitted on. */
export const HISTORY_EPISODES = 5;

export const DECIDER_NAMES =
  'local, remote, greedy, heft, heft-rollout[:D], identified:heft, identified:heft-rollout[:D], online[:EST[:P]], replan[:EST[:P]], law[:K], true-state, clairvoyant (EST: last, ewma, nominal; P: pessimism ≥ 1)';

function unknown(name: string, known = DECIDER_NAMES): InputError {
  return new InputError(`unknown decider "${name}" (known: ${known})`);
}

function rolloutDepth(name: string, part: string | undefined): number {
  const depth = part === undefined ? 1 : Number(part);
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_ROLLOUT_DEPTH)
    throw new InputError(`decider "${name}": rollout depth must be 1 to ${MAX_ROLLOUT_DEPTH}`);
  return depth;
}

function estimatorOf(name: string, kind: string | undefined, pessimism: string | undefined): EstimatorSpec {
  const k = (kind ?? DEFAULT_ESTIMATOR.kind) as EstimatorKind;
  if (!ESTIMATOR_KINDS.includes(k))
    throw new InputError(`decider "${name}": estimator must be one of ${ESTIMATOR_KINDS.join(', ')}`);
  const p = pessimism === undefined ? 1 : Number(pessimism);
  if (!Number.isFinite(p) || p < 1 || p > 100)
    throw new InputError(`decider "${name}": pessimism must be a number from 1 to 100`);
  return { ...DEFAULT_ESTIMATOR, kind: k, pessimism: p };
}
