/**
 * Adapting a place policy to a system it has not seen: a few PPO iterations on that system's DAGs
 * from the policy's parameters, with a fresh Adam (the inner loop of meta/place-meta.ts, and the
 * adaptation step of the systems experiment).
 */
import type { Backend } from '../nn/backend.js';
import type { PlacementProblem } from '../mec/places/problem.js';
import type { PlacePolicy } from '../policy/place-policy.js';
import type { Rng } from '../util/rng.js';
import { PLACE_PPO, placeAdam, placePpoIteration, type PlacePpoSettings } from './place-ppo.js';

/** Runs `steps` PPO iterations on `problems`; returns each iteration's mean sampled objective. */
export function adaptPlacePolicy(
  be: Backend,
  policy: PlacePolicy,
  problems: readonly PlacementProblem[],
  steps: number,
  rng: Rng,
  settings: PlacePpoSettings = PLACE_PPO,
): number[] {
  const adam = placeAdam(policy, settings.learningRate);
  const curve: number[] = [];
  for (let k = 0; k < steps; k++)
    curve.push(placePpoIteration(be, policy, adam, problems, rng, rng, settings).meanObjective);
  return curve;
}
