/**
 * The offloading scheduler of Fig. 2 (on the device): a trained policy decides a DAG's plan by argmax
 * decoding (the paper's inference), reported with the latency model's makespan.
 */
import type { Dag } from '../dag/dag.js';
import type { SimProfile } from '../mec/simulator.js';
import type { SystemParams } from '../mec/system.js';
import type { Backend } from '../nn/backend.js';
import type { Seq2SeqPolicy } from '../policy/seq2seq.js';
import { compileTask } from '../rl/learning-task.js';
import { evaluateGreedy } from '../rl/sampler.js';

export interface OffloadingDecision {
  /** plan[i] = 1 when task i is offloaded (task index order). */
  plan: Uint8Array;
  /** The scheduling order (descending rank) the plan was decided and simulated in. */
  order: readonly number[];
  makespanMs: number;
}

export function decideOffloading(
  be: Backend,
  policy: Seq2SeqPolicy,
  dag: Dag,
  system: SystemParams,
  profile: SimProfile,
): OffloadingDecision {
  const task = compileTask({ name: dag.name, dags: [dag], system, profile }, policy.config.neighbours);
  const r = evaluateGreedy(be, policy, [{ task, dag: 0 }]);
  const problem = task.problems[0];
  // The simulator's makespan in float64 (the environment's episode sums float32 rewards).
  return {
    plan: r.plans[0],
    order: problem.order,
    makespanMs: problem.simulator.run(problem.order, r.plans[0]),
  };
}
