/**
 * A trained policy as a decider in the world (world/deciders.ts's interface): at each decision time it
 * computes the online features of the view (the same ones, by the same code, as the training
 * environment) and takes the argmax of its logits, one task at a time (batch 1, as deployed). A policy
 * that sees no state (the paper's network) decides from the DAG alone, still at each decision time.
 */
import type { OffloadingProblem } from '../mec/problem.js';
import type { Backend } from '../nn/backend.js';
import { encodeProblem } from '../policy/observation.js';
import { batchObservations, type ObservationBatch } from '../policy/observation.js';
import { decidesOnline, START_ACTION, type OffloadingPolicy, type PolicyDecoder } from '../policy/policy.js';
import { timeScaleOf } from '../policy/step-features.js';
import { Belief } from '../world/belief.js';
import type { Decider, DeciderKind, EpisodeContext } from '../world/deciders.js';
import { LinkEstimator, type EstimatorSpec } from '../world/estimators.js';
import type { OnlineView } from '../world/online.js';
import { ONLINE_ESTIMATOR } from './learning-task.js';
import { OnlineFeatureWriter } from './online-features.js';
import { ONLINE_CONTEXT_FEATURE_COUNT } from './online-env.js';
import { CONTEXT_FEATURE_COUNT, SUMMARY_SIZE, summariseRun, WorldContext } from './world-context.js';
import type { World } from '../world/world.js';

interface PerDag {
  obs: ObservationBatch;
  belief: Belief;
  writer: OnlineFeatureWriter;
  scale: number;
}

export class PolicyDecider implements Decider {
  readonly kind: DeciderKind = 'online';
  readonly description: string;
  private readonly perDag = new WeakMap<OffloadingProblem, PerDag>();
  private current!: PerDag;
  private estimator!: LinkEstimator;
  private decoder!: PolicyDecoder;
  private nominalUp = 1;
  private nominalDown = 1;
  private readonly prev = new Int32Array(1);
  private readonly head = new Float32Array(3);
  private readonly features: Float32Array;
  /** A policy that reads the world's context: what its episodes so far in each world measured. */
  private readonly contexts = new Map<World, WorldContext>();
  private readonly context = new Float32Array(CONTEXT_FEATURE_COUNT);
  private readonly summary = new Float64Array(SUMMARY_SIZE);

  constructor(
    private readonly be: Backend,
    private readonly policy: OffloadingPolicy,
    readonly name = 'policy',
    private readonly estimatorSpec: EstimatorSpec = ONLINE_ESTIMATOR,
  ) {
    if (policy.stepFeatures > 0 && !decidesOnline(policy.config))
      throw new Error(
        `decider ${name}: the policy sees the latency model's state; one trained in a world decides online`,
      );
    this.features = new Float32Array(policy.stepFeatures);
    this.description = `the ${policy.config.arch} policy, argmax, deciding online`;
  }

  start(ctx: EpisodeContext): void {
    const problem = ctx.instance.problem;
    let d = this.perDag.get(problem);
    if (!d) {
      const encoded = encodeProblem(problem, this.policy.config.neighbours);
      d = {
        obs: batchObservations([encoded], encoded.length / problem.order.length, this.policy.stepFeatures),
        belief: new Belief(problem),
        writer: new OnlineFeatureWriter(
          this.policy.config.lookahead === 'none' ? 'heft' : this.policy.config.lookahead,
          problem.order.length,
        ),
        scale: timeScaleOf(problem),
      };
      this.perDag.set(problem, d);
    }
    this.current = d;
    const nominal = ctx.instance.world.nominal;
    this.nominalUp = 8e3 / nominal.uplinkBps;
    this.nominalDown = 8e3 / nominal.downlinkBps;
    this.estimator = new LinkEstimator(this.estimatorSpec, nominal);
    d.writer.reset(problem.order.length);
    this.decoder = this.policy.beginDecode(this.be, d.obs);
    this.prev[0] = START_ACTION;
    if (this.readsContext) this.contextOf(ctx.instance.world).features(this.context);
  }

  /** The episode's transfers join the world's context (for a policy that reads it). */
  finish(ctx: EpisodeContext, view: OnlineView): void {
    if (!this.readsContext) return;
    const problem = ctx.instance.problem;
    const plan = new Uint8Array(problem.order.length);
    problem.order.forEach((task, k) => (plan[task] = view.actions[k]));
    summariseRun(ctx.instance, plan, this.nominalUp, this.nominalDown, this.summary, 0);
    this.contextOf(ctx.instance.world).add(this.summary);
  }

  private get readsContext(): boolean {
    return this.policy.stepFeatures === ONLINE_CONTEXT_FEATURE_COUNT;
  }

  private contextOf(world: World): WorldContext {
    let c = this.contexts.get(world);
    if (!c) this.contexts.set(world, (c = new WorldContext()));
    return c;
  }

  decide(view: OnlineView): number {
    const d = this.current;
    if (this.features.length > 0) {
      this.estimator.update(view.log);
      this.estimator.observeRunning(view);
      d.belief.setFromEstimator(this.estimator);
      d.belief.observe(view);
      d.writer.write(
        view,
        d.belief,
        this.estimator,
        this.nominalUp,
        this.nominalDown,
        d.scale,
        this.features,
        0,
      );
      if (this.readsContext) this.features.set(this.context, this.features.length - CONTEXT_FEATURE_COUNT);
    }
    this.decoder.step(view.position, this.prev, this.features, this.head);
    const action = this.head[1] > this.head[0] ? 1 : 0;
    if (this.features.length > 0) d.writer.afterDecision(view, d.belief, action);
    this.prev[0] = action;
    return action;
  }
}
