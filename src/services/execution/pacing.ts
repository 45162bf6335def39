/**
 * Wall-clock pacing for the emulation: sleeping until absolute deadlines (so that timer lateness does
 * not add up over a transfer) and sending a byte stream at a link's rate.
 */
import { performance } from 'node:perf_hooks';
import type { TaskTimeline } from '../../mec/simulator.js';

/** Below this much time left, yield to the event loop instead of arming a timer (timers fire 1-2 ms late). */
const SPIN_MS = 2;

/**
 * Resolves once performance.now() reaches `deadline` (ms). Precise: within a fraction of a millisecond,
 * by turning the event loop for the last SPIN_MS; otherwise on a plain timer (up to 1-2 ms late).
 */
export async function sleepUntil(deadline: number, precise = true): Promise<void> {
  const spin = precise ? SPIN_MS : 0;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return;
    // setImmediate still lets sockets be served, so other streams keep flowing during the final spin.
    if (left > spin) await new Promise((resolve) => setTimeout(resolve, left - spin));
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Bytes per message on an emulated link: a few milliseconds of transfer at the paper's rates. */
export const CHUNK_BYTES = 4096;

export interface PacedTransfer {
  /** Real bytes to send (whole bytes). */
  bytes: number;
  /** How long the link is busy with them (ms of wall time, already scaled). */
  durationMs: number;
  /**
   * A link whose rate varies (a replayed trace): when it has carried the first b bytes (wall ms);
   * replaces the constant rate of `durationMs`.
   */
  deadlineOf?: (bytesSent: number) => number;
  /** Fills the payload, so that the receiver can tell streams apart when debugging. */
  fill: number;
  /** Sends one chunk; `last` marks the end of the stream (an empty chunk when bytes = 0). */
  write(data: Buffer, last: boolean): void;
  /** Stops the transfer early (the session ended). */
  aborted?: () => boolean;
}

/**
 * Sender-side pacing: a link of rate R has carried the first b of B bytes at start + D·b/B, so each
 * chunk is written when the link would have finished carrying it, and the last one at start + D. The
 * receiver sees the last byte D (plus the loopback's latency) after the start, which is what the latency
 * model's T^ul and T^dl describe. Deadlines are absolute, so late timers do not accumulate.
 * Returns the time (performance.now()) the last chunk was written.
 */
export async function sendPaced(transfer: PacedTransfer, start = performance.now()): Promise<number> {
  const { bytes, durationMs, deadlineOf } = transfer;
  if (bytes <= 0) {
    await sleepUntil(deadlineOf ? deadlineOf(0) : start + durationMs);
    transfer.write(Buffer.alloc(0), true);
    return performance.now();
  }
  for (let sent = 0; sent < bytes;) {
    const size = Math.min(CHUNK_BYTES, bytes - sent);
    sent += size;
    // Only the last chunk's time matters to the model (FT^ul, FT^dl), so only it waits precisely.
    await sleepUntil(deadlineOf ? deadlineOf(sent) : start + (durationMs * sent) / bytes, sent === bytes);
    if (transfer.aborted?.()) break;
    transfer.write(Buffer.alloc(size, transfer.fill), sent === bytes);
  }
  return performance.now();
}

/**
 * The shortest wall time a step (a task's run, a transfer) can be paced to: timers fire 1-2 ms late and
 * each message costs a fraction of a millisecond, so a shorter step is measured longer than predicted.
 */
export const PACEABLE_STEP_MS = 2;

/** The shortest non-empty step of a timeline (a run on the UE or the VM, an upload, a download), model ms. */
export function shortestStepMs(tasks: readonly TaskTimeline[]): number {
  let shortest = Infinity;
  for (const t of tasks)
    for (const iv of [t.ue, t.uplink, t.mec, t.downlink])
      if (iv && iv.finish > iv.start) shortest = Math.min(shortest, iv.finish - iv.start);
  return shortest;
}
