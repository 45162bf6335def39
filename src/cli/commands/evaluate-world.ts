/**
 * `mrlco evaluate --world`: one plan's realised makespan and timeline in one realisation of a world, to
 * re-check any reported episode (baselines --plans, schedule --online --json, the world experiment's
 * decisions.jsonl). A realisation is (seed, DAG index, realisation index), or a trace offset alone.
 */
import type { Dag } from '../../dag/dag.js';
import { createProblem, type ModelOptions } from '../../mec/problem.js';
import { simulateTimeline, type Timeline } from '../../mec/simulator.js';
import type { SystemParams } from '../../mec/system.js';
import type { WorldSpec } from '../../world/spec.js';
import { World, type RealisationInfo } from '../../world/world.js';

export interface WorldEvaluation {
  realisation: RealisationInfo;
  seed: number;
  timeline: Timeline;
  world: Record<string, unknown>;
}

export function evaluateInWorld(
  dag: Dag,
  plan: Uint8Array,
  spec: WorldSpec,
  system: SystemParams,
  model: ModelOptions,
  where: { seed: number; dagIndex: number; realisation: number; offsetMs?: number },
): WorldEvaluation {
  const world = new World(spec, system);
  const problem = createProblem(dag, world.nominal, model);
  const instance = world.instance(problem, where.dagIndex, where.seed);
  const realisation = instance.realise(
    where.realisation,
    where.offsetMs === undefined ? {} : { offsetMs: where.offsetMs },
  );
  return {
    realisation,
    seed: where.seed,
    timeline: simulateTimeline(dag, instance.sim, problem.order, plan),
    world: world.describe(),
  };
}
