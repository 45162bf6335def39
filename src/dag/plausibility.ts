/**
 * Sizes that no application task has: far beyond the paper's (1e7-1e8 cycles, 5-50 kB) and the shared
 * datasets', they are almost always a unit mistake (bytes for daggen units, Hz for GHz). They are valid
 * input, so the model computes with them; the command line notes them so the mistake is seen.
 */
import type { Dag } from './dag.js';

/** About 2.8 hours on a 1 GHz device. */
export const PLAUSIBLE_MAX_CYCLES = 1e13;
/** 100 GB: about 32 hours at 7 Mbit/s. */
export const PLAUSIBLE_MAX_BYTES = 1e11;

/** The first implausibly large size of a DAG in words ("task 2: 9.54e+14 CPU cycles"), if any. */
export function implausibleSize(dag: Dag): string | undefined {
  for (const t of dag.tasks) {
    if (t.cycles > PLAUSIBLE_MAX_CYCLES) return `task ${t.id}: ${t.cycles.toPrecision(3)} CPU cycles`;
    for (const [what, bytes] of [
      ['upload', t.uploadBytes],
      ['result', t.resultBytes],
    ] as const)
      if (bytes > PLAUSIBLE_MAX_BYTES) return `task ${t.id}: ${bytes.toPrecision(3)} ${what} bytes`;
  }
  return undefined;
}
