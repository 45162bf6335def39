/** All schedulers by name, for the command line and the experiments. */
import { InputError } from '../util/errors.js';
import { greedy, heft } from './earliest-finish.js';
import { allLocal, allRemote, randomPlan } from './fixed.js';
import { optimal } from './optimal.js';
import type { Scheduler } from './scheduler.js';

export const SCHEDULERS: readonly Scheduler[] = [allLocal, allRemote, randomPlan, greedy, heft, optimal];

export function schedulerByName(name: string): Scheduler {
  const found = SCHEDULERS.find((s) => s.name === name);
  if (!found) {
    throw new InputError(`unknown scheduler "${name}" (known: ${SCHEDULERS.map((s) => s.name).join(', ')})`);
  }
  return found;
}
