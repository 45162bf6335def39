/**
 * The MDP state of Eq. (9) made explicit: s_j = (G, A_{1:j−1}) seen through the latency model. When
 * task j of the scheduling order is to be decided, the simulator holds the partial plan's state; the
 * features of that state are
 *   state:     the finish of task j if run locally and if offloaded, and the free times of the UE CPU,
 *              the uplink, the MEC VM and the downlink;
 *   lookahead: C_0 and C_1, the makespan if task j takes action 0 or 1 and every later task follows
 *              HEFT's earliest-finish rule (or the HEFT-rollout), and their difference;
 * each relative to the partial plan's makespan M and divided by the DAG's mean T^UE (the scale of the
 * task encoding), so that DAGs of different sizes and rates are comparable.
 */
import {
  newResourceState,
  RolloutCompleter,
  restoreResources,
  saveResources,
  type ResourceState,
} from '../mec/completion.js';
import type { OffloadingProblem } from '../mec/problem.js';
import { LOCAL, OFFLOAD, type LatencySimulator } from '../mec/simulator.js';

/**
 * The lookahead features: none, or C_0 and C_1 with the later tasks completed by HEFT's rule (O(n)
 * latency-model steps per decision, O(n²) per DAG: the cost of HEFT-rollout) or by the depth-1
 * HEFT-rollout (O(n²) per decision, O(n³) per DAG: the cost of HEFT-rollout at depth 2).
 */
export type Lookahead = 'none' | 'heft' | 'rollout';
export const LOOKAHEADS: readonly Lookahead[] = ['none', 'heft', 'rollout'];

export const STATE_FEATURES = 6;
export const LOOKAHEAD_FEATURES = 3;
/** Index of (C_1 − C_0) among the step features. */
export const LOOKAHEAD_DIFFERENCE = STATE_FEATURES + 2;

/**
 * What a state-aware policy sees at a step: the latency model's state (`model`, the paper's protocol:
 * a plan decided up front), or, deciding online in a world, the belief at the decision time and the
 * measurement history (`online`: rl/online-features.ts, whose first features are laid out as these),
 * and with `online-context` also what earlier episodes in the same world measured (rl/world-context.ts).
 */
export type Observation = 'model' | 'online' | 'online-context';
export const OBSERVATIONS: readonly Observation[] = ['model', 'online', 'online-context'];

/** The online observation's features per step (ONLINE_FEATURES in rl/online-features.ts). */
export const ONLINE_STEP_FEATURES = 25;
/** `online-context` adds the world's context (CONTEXT_FEATURES in rl/world-context.ts). */
export const CONTEXT_STEP_FEATURES = 6;

/** S: the per-step features of a policy that sees the state (0 for the paper's network). */
export function stepFeatureCount(
  seesState: boolean,
  lookahead: Lookahead,
  observation: Observation = 'model',
): number {
  if (!seesState) return 0;
  if (observation === 'online') return ONLINE_STEP_FEATURES;
  if (observation === 'online-context') return ONLINE_STEP_FEATURES + CONTEXT_STEP_FEATURES;
  return STATE_FEATURES + (lookahead === 'none' ? 0 : LOOKAHEAD_FEATURES);
}

/** 1 / (the DAG's mean T^UE): the scale of the task encoding and of the step features. */
export function timeScaleOf(problem: OffloadingProblem): number {
  const local = problem.times.local;
  let mean = 0;
  for (let i = 0; i < local.length; i++) mean += local[i];
  mean /= local.length;
  return mean > 0 ? 1 / mean : 1;
}

/** Writes the step features of one episode's current state; reusable, allocation-free per call. */
export class StepFeatureWriter {
  private readonly saved: ResourceState = newResourceState();
  private readonly rollout = new RolloutCompleter();
  /** Rollout depth of the completion: 0 for HEFT's rule, 1 for the HEFT-rollout. */
  private readonly depth: number;

  constructor(readonly lookahead: Lookahead) {
    this.depth = lookahead === 'rollout' ? 1 : 0;
  }

  get count(): number {
    return stepFeatureCount(true, this.lookahead);
  }

  /**
   * Features of deciding order[k] in the simulator's current state, written to out[at..at+count).
   * The simulator is left as it was (a lookahead's completion is undone).
   */
  write(
    sim: LatencySimulator,
    order: readonly number[],
    k: number,
    scale: number,
    out: Float32Array,
    at: number,
  ): void {
    const i = order[k];
    const M = sim.makespan;
    out[at] = (sim.localFinish(i) - M) * scale;
    out[at + 1] = (sim.offloadFinish(i) - M) * scale;
    out[at + 2] = (sim.ueFree - M) * scale;
    out[at + 3] = (sim.ulFree - M) * scale;
    out[at + 4] = (sim.mecFree - M) * scale;
    out[at + 5] = (sim.dlFree - M) * scale;
    if (this.lookahead !== 'none') {
      const before = saveResources(sim, this.saved);
      sim.step(i, LOCAL);
      const c0 = this.rollout.complete(sim, order, k + 1, this.depth);
      restoreResources(sim, before);
      sim.step(i, OFFLOAD);
      const c1 = this.rollout.complete(sim, order, k + 1, this.depth);
      restoreResources(sim, before);
      out[at + 6] = (c0 - M) * scale;
      out[at + 7] = (c1 - M) * scale;
      out[at + 8] = (c1 - c0) * scale;
    }
  }
}
