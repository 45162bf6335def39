/** The worker-thread option of the training commands: how many threads, and the BLAS threads beside them. */
import { InvalidArgumentError, type Command } from 'commander';
import { parseNonNegativeInt } from './options.js';

/** The most worker threads a command takes (play-workers.ts's shared counter has 7 slots). */
const MAX_WORKERS = 7;

function parseWorkers(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n > MAX_WORKERS) throw new InvalidArgumentError(`expected at most ${MAX_WORKERS}.`);
  return n;
}

/** Adds --workers (default 2): `what` says what runs in them; the numbers never depend on it. */
export function addWorkersOption(cmd: Command, what: string): Command {
  return cmd.option(
    '--workers <n>',
    `worker threads for ${what} (0: none; the results do not depend on it)`,
    parseWorkers,
    2,
  );
}

/**
 * With work in worker threads, one BLAS thread per worker keeps the cores from being
 * oversubscribed. OpenBLAS reads the variable when it loads, so this must run before the backend loads;
 * a value the user set is kept.
 */
export function limitBlasThreadsForWorkers(workers: number): void {
  if (workers > 0 && process.env.OPENBLAS_NUM_THREADS === undefined) process.env.OPENBLAS_NUM_THREADS = '1';
}
