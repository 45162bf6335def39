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

/** The names a command accepts: every scheduler, rollouts at any depth, and `extra` (a command's own rows). */
export function knownSchedulerNames(extra: readonly string[] = []): string {
  return [...SCHEDULERS.map((s) => s.name), `heft-rollout:D (D = 1 to ${MAX_ROLLOUT_DEPTH})`, ...extra].join(
    ', ',
  );
}

/** `extra`: names the command handles itself (baselines' policy), listed when a name is unknown. */
export function schedulerByName(name: string, extra: readonly string[] = []): Scheduler {
  const found = SCHEDULERS.find((s) => s.name === name);
  const depth = /^heft-rollout:(\d+)$/.exec(name);
  if (!found && depth) {
    const d = Number(depth[1]);
    if (d < 1 || d > MAX_ROLLOUT_DEPTH)
      throw new InputError(`scheduler "${name}": rollout depth must be 1 to ${MAX_ROLLOUT_DEPTH}`);
    return heftRollout(d);
  }
  if (!found) {
    throw new InputError(`unknown scheduler "${name}" (known: ${knownSchedulerNames(extra)})`);
  }
  return found;
}
