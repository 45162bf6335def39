/**
 * The training loops' one skeleton (the PPO trainer, the meta-trainer and the federated coordinator):
 * when an iteration evaluates and checkpoints, and how it ends. Evaluation and checkpoints come every
 * `evalEvery` / `checkpointEvery` iterations and always at the last one; an iteration ends with its
 * metrics row first, then the checkpoint, then the caller's callback, so that a crash between the two
 * writes loses nothing (a resume truncates the metrics to the checkpoint's iteration and recomputes
 * the rest).
 */
import type { MetricsLog } from './metrics-log.js';
import type { RunConfig } from './config.js';

type Cadence = Pick<RunConfig, 'evalEvery' | 'checkpointEvery' | 'iterations'>;

export function evaluatesAt(iteration: number, run: Cadence): boolean {
  return iteration % run.evalEvery === 0 || iteration === run.iterations;
}

export function checkpointsAt(iteration: number, run: Cadence): boolean {
  return iteration % run.checkpointEvery === 0 || iteration === run.iterations;
}

/** Ends an iteration: its metrics row, the checkpoint when due (`save`, if the run has a folder), the callback. */
export function endIteration<Row extends { iteration: number; wallS: number }>(
  row: Row,
  started: number,
  run: Cadence,
  log: MetricsLog,
  save: (() => void) | undefined,
  onIteration: ((row: Row) => void) | undefined,
): void {
  row.wallS = (performance.now() - started) / 1000;
  log.append(row as unknown as Record<string, number | string>);
  if (save && checkpointsAt(row.iteration, run)) save();
  onIteration?.(row);
}

/**
 * Between iterations: lets the event loop turn (a signal handler runs only then; the iterations
 * themselves are synchronous), then asks `shouldStop`. A run that stops is checkpointed where it stops.
 */
export async function stopRequested(
  shouldStop: (() => boolean) | undefined,
  iteration: number,
  run: Cadence,
  save: (() => void) | undefined,
): Promise<boolean> {
  if (!shouldStop || iteration >= run.iterations) return false;
  await new Promise((resolve) => setImmediate(resolve));
  if (!shouldStop()) return false;
  if (save && !checkpointsAt(iteration, run)) save();
  return true;
}
