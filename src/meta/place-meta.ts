/**
 * MRLCO over systems of places (Alg. 1 with the first-order meta-gradient of Eq. 22): each meta-batch
 * draws learning tasks (a system, an objective and its DAGs), adapts θ to each by the inner loop's PPO
 * iterations, and moves θ along the mean of θ'_i − θ with the outer Adam (meta/outer-update.ts, the
 * same step the paper's two-place meta-trainer takes).
 */
import { Adam } from '../nn/adam.js';
import type { Backend } from '../nn/backend.js';
import type { PlacementProblem } from '../mec/places/problem.js';
import type { PlacePolicy } from '../policy/place-policy.js';
import { adaptPlacePolicy } from '../rl/place-adapt.js';
import { PLACE_PPO, type PlacePpoSettings } from '../rl/place-ppo.js';
import { innerLoopStream, streamRng } from '../util/rng-streams.js';
import { applyMetaUpdate } from './outer-update.js';

export interface PlaceLearningTask {
  readonly name: string;
  readonly problems: readonly PlacementProblem[];
}

/** The meta-training hyperparameters, one declaration each. */
export interface PlaceMetaSettings {
  iterations: number;
  /** Tasks per meta-batch. */
  metaBatch: number;
  /** m: PPO iterations of the inner loop. */
  innerSteps: number;
  /** β: the outer Adam's learning rate. */
  outerLearningRate: number;
}

export const PLACE_META: PlaceMetaSettings = {
  iterations: 60,
  metaBatch: 4,
  innerSteps: 3,
  outerLearningRate: 1e-3,
};

export interface PlaceMetaProgress {
  iteration: number;
  /** Mean over the meta-batch of the inner loop's last sampled objective. */
  innerObjective: number;
  metaGradNorm: number;
}

/** Meta-trains `policy` in place on `tasks`; the same seed gives the same θ. */
export function metaTrainPlaces(
  be: Backend,
  policy: PlacePolicy,
  tasks: readonly PlaceLearningTask[],
  seed: number,
  settings: PlaceMetaSettings = PLACE_META,
  inner: PlacePpoSettings = PLACE_PPO,
  onIteration?: (p: PlaceMetaProgress) => void,
): void {
  const theta = Float32Array.from(policy.params.values);
  const outer = new Adam(theta.length, {
    lr: settings.outerLearningRate,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
  });
  const taskRng = streamRng(seed, 'metaTasks');
  for (let it = 0; it < settings.iterations; it++) {
    const updates = [];
    let inner0 = 0;
    for (let slot = 0; slot < settings.metaBatch; slot++) {
      const task = tasks[taskRng.int(0, tasks.length - 1)];
      policy.params.setValues(theta);
      const rng = streamRng(seed, 'innerLoop', innerLoopStream(it, slot));
      const curve = adaptPlacePolicy(be, policy, task.problems, settings.innerSteps, rng, inner);
      inner0 += curve[curve.length - 1] / settings.metaBatch;
      updates.push({ thetaPrime: Float32Array.from(policy.params.values) });
    }
    const norm = applyMetaUpdate(outer, theta, updates, inner.learningRate, settings.innerSteps);
    onIteration?.({ iteration: it + 1, innerObjective: inner0, metaGradNorm: norm });
  }
  policy.params.setValues(theta);
}
