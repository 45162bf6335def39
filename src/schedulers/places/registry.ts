/** The schedulers over several places by name, as the command line and the experiments call them. */
import { MAX_ROLLOUT_DEPTH } from '../../mec/completion.js';
import { InputError } from '../../util/errors.js';
import {
  placeGreedy,
  placeHeft,
  placeLocal,
  placeRandom,
  placeRemote,
  type PlacementScheduler,
} from './heuristics.js';
import { solvePlacementOptimal } from './optimal.js';
import { placeRollout } from './rollout.js';

export const placeOptimal: PlacementScheduler = {
  name: 'optimal',
  description: 'exact branch-and-bound over every place (proven optimum unless a time limit stops it)',
  schedule: solvePlacementOptimal,
};

export const PLACEMENT_SCHEDULERS: readonly PlacementScheduler[] = [
  placeLocal,
  placeRemote,
  placeRandom,
  placeGreedy,
  placeHeft,
  placeRollout(1),
  placeRollout(2),
  placeOptimal,
];

export function placementSchedulerByName(name: string, extra: readonly string[] = []): PlacementScheduler {
  const found = PLACEMENT_SCHEDULERS.find((s) => s.name === name);
  if (found) return found;
  const depth = /^heft-rollout:(\d+)$/.exec(name);
  if (depth) {
    const d = Number(depth[1]);
    if (d < 1 || d > MAX_ROLLOUT_DEPTH)
      throw new InputError(`scheduler "${name}": rollout depth must be 1 to ${MAX_ROLLOUT_DEPTH}`);
    return placeRollout(d);
  }
  const known = [
    ...PLACEMENT_SCHEDULERS.map((s) => s.name),
    `heft-rollout:D (D = 1 to ${MAX_ROLLOUT_DEPTH})`,
    ...extra,
  ];
  throw new InputError(`unknown scheduler "${name}" (known: ${known.join(', ')})`);
}
