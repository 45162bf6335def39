/** All schedulers by name, for the command line and the experiments. */
import { InputError } from '../util/errors.js';
import { greedy, heft } from './earliest-finish.js';
import { allLocal, allRemote, randomPlan } from './fixed.js';
import { heftRollout, MAX_ROLLOUT_DEPTH } from './heft-rollout.js';
import { optimal } from './optimal.js';
import type { Scheduler } from './scheduler.js';

export const SCHEDULERS: readonly Scheduler[] = [
  allLocal,
  allRemote,
  randomPlan,
  greedy,
  heft,
  heftRollout(1),
  heftRollout(2),
  optimal,
];

export function schedulerByName(name: string): Scheduler {
  const found = SCHEDULERS.find((s) => s.name === name);
  const depth = /^heft-rollout:(\d+)$/.exec(name);
  if (!found && depth) {
    const d = Number(depth[1]);
    if (d < 1 || d > MAX_ROLLOUT_DEPTH)
      throw new InputError(`scheduler "${name}": rollout depth must be 1 to ${MAX_ROLLOUT_DEPTH}`);
    return heftRollout(d);
  }
  if (!found) {
    throw new InputError(`unknown scheduler "${name}" (known: ${SCHEDULERS.map((s) => s.name).join(', ')})`);
  }
  return found;
}
