/**
 * The offloading scheduler of Fig. 2 (on the device): a trained policy decides a DAG's plan by argmax
 * decoding (the paper's inference), or, beyond it, keeps the best of the argmax plan and K sampled
 * plans by the latency model and optionally polishes it by single flips; reported with the latency
 * model's makespan.
 */
import type { Dag } from '../dag/dag.js';
import type { SimProfile } from '../mec/simulator.js';
import type { SystemParams } from '../mec/system.js';
import type { ModelOptions } from '../mec/problem.js';
import type { Backend } from '../nn/backend.js';
import type { OffloadingPolicy } from '../policy/policy.js';
import { compileTask } from '../rl/learning-task.js';
import { allDags, inferPlans, type InferenceOptions } from '../rl/sampler.js';

export interface OffloadingDecision {
  /** plan[i] = 1 when task i is offloaded (task index order). */
  plan: Uint8Array;
  /** The scheduling order (descending rank) the plan was decided and simulated in. */
  order: readonly number[];
  makespanMs: number;
}

const ARGMAX: InferenceOptions = { samples: 0, polish: false };

/** The plans of several DAGs, decided in one batch. */
export function decideOffloadingAll(
  be: Backend,
  policy: OffloadingPolicy,
  dags: readonly Dag[],
  system: SystemParams,
  model: SimProfile | ModelOptions,
  inference: InferenceOptions = ARGMAX,
): OffloadingDecision[] {
  const { profile, rankWeight } =
    typeof model === 'string' ? { profile: model, rankWeight: undefined } : model;
  const task = compileTask(
    { name: 'decide', dags, system, profile, ...(rankWeight ? { rankWeight } : {}) },
    policy.config.neighbours,
  );
  const r = inferPlans(be, policy, allDags([task]), inference);
  // The simulator's makespan in float64 (the environment's episode sums float32 rewards).
  return task.problems.map((problem, d) => ({
    plan: r.plans[d],
    order: problem.order,
    makespanMs: problem.simulator.run(problem.order, r.plans[d]),
  }));
}

export function decideOffloading(
  be: Backend,
  policy: OffloadingPolicy,
  dag: Dag,
  system: SystemParams,
  model: SimProfile | ModelOptions,
  inference: InferenceOptions = ARGMAX,
): OffloadingDecision {
  return decideOffloadingAll(be, policy, [dag], system, model, inference)[0];
}
