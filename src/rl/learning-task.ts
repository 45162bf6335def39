/**
 * A learning task (Sec. 5): a dataset of DAGs together with the system it runs on (rates, f_UE,
 * f_s, k) and the simulator profile. Compiled once into offloading problems and encoded observations.
 */
import type { Dag } from '../dag/dag.js';
import { createProblem, type OffloadingProblem } from '../mec/problem.js';
import { LOCAL } from '../mec/simulator.js';
import type { SimProfile } from '../mec/simulator.js';
import type { SystemParams } from '../mec/system.js';
import type { RankWeight } from '../mec/rank.js';
import { encodeProblem, featureCount } from '../policy/observation.js';
import { timeScaleOf } from '../policy/step-features.js';
import { DEFAULT_ESTIMATOR, type EstimatorSpec } from '../world/estimators.js';
import type { WorldSpec } from '../world/spec.js';
import { World } from '../world/world.js';

export interface LearningTask {
  readonly name: string;
  readonly dags: readonly Dag[];
  readonly system: SystemParams;
  readonly profile: SimProfile;
  /** The rank weight of the scheduling order (default: the profile's, mec/rank.ts). */
  readonly rankWeight?: RankWeight;
  /**
   * A world the episodes run in, decided online (docs/world.md); `system` is then the true system's
   * constant part, and the DAGs are compiled on the world's nominal system.
   */
  readonly world?: WorldTask;
}

/** A learning task's world: its specification, the seed of its realisations, the belief's estimator. */
export interface WorldTask {
  readonly spec: WorldSpec;
  readonly seed: number;
  readonly estimator?: EstimatorSpec;
}

export interface CompiledTask {
  readonly task: LearningTask;
  readonly problems: readonly OffloadingProblem[];
  /** Encoded observation of each DAG (see policy/observation.ts). */
  readonly encoded: readonly Float32Array[];
  /** F: features per task of the encoding. */
  readonly features: number;
  /** Per-DAG reward scale: the all-local makespan, so that an episode's return is −makespan / scale. */
  readonly scales: Float64Array;
  /** Per-DAG 1 / mean T^UE: the time scale of the encoding and of the step features. */
  readonly timeScales: Float64Array;
  /** The task's world, made (traces read) once. */
  readonly world?: World;
  /** The belief's estimator in the world. */
  readonly estimator?: EstimatorSpec;
}

/** The estimator of an online policy's belief unless a task says otherwise (the `live` rule of the world's anchors). */
export const ONLINE_ESTIMATOR: EstimatorSpec = { ...DEFAULT_ESTIMATOR, kind: 'live' };

export function compileTask(task: LearningTask, neighbours: number): CompiledTask {
  const model = { profile: task.profile, ...(task.rankWeight ? { rankWeight: task.rankWeight } : {}) };
  const world = task.world ? new World(task.world.spec, task.system) : undefined;
  const system = world ? world.nominal : task.system;
  const problems = task.dags.map((dag) => createProblem(dag, system, model));
  const encoded = problems.map((p) => encodeProblem(p, neighbours));
  const scales = Float64Array.from(problems, (p) => {
    const local = p.simulator.run(p.order, new Uint8Array(p.order.length).fill(LOCAL));
    return local > 0 ? local : 1;
  });
  const timeScales = Float64Array.from(problems, timeScaleOf);
  return {
    task,
    problems,
    encoded,
    features: featureCount(neighbours),
    scales,
    timeScales,
    ...(world ? { world, estimator: task.world!.estimator ?? ONLINE_ESTIMATOR } : {}),
  };
}
