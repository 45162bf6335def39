/**
 * One device session on the executor: the device's VM (f_vm = f_s / k) and its downlink. Independent of
 * gRPC: messages come in through the on* methods and go out through `send`.
 *
 * The VM runs one task at a time, in the order the task headers arrived (the device sends them in its
 * scheduling order, so this is the simulator's FIFO M^s), each once its input is complete; a task's
 * parents on the VM always ran before it, so their FT^s is implied. Running a task means holding the
 * VM for time_scale · cycles / f_vm: the emulation times the model's VM, it does not burn cycles, so the
 * measurement does not depend on how loaded the host is. Results are then paced at R_dl: in the `paper`
 * profile one after another (the queued downlink M^dl), in the `reference` profile each on its own.
 *
 * With replayed traces (`SessionLinks`), model time 0 is the session's start and trace time its
 * offset: a result is paced by the downlink trace, and an input counts as received once its last byte
 * has arrived and the uplink trace would have delivered it since its header came (the device sends it
 * unpaced and waits for `received`); the uplink serves inputs in the order their headers arrived.
 */
import { PROFILE_RULES, type SimProfile } from '../../mec/profiles.js';
import { performance } from 'node:perf_hooks';
import type { CapacityPath } from '../../mec/capacity.js';
import { sendPaced, sleepUntil } from './pacing.js';
import type { EdgeMessage, OpenMessage, TaskHeaderMessage, ChunkMessage } from './proto.js';

/** The session's emulated links: capacity paths in model time (ms), bytes per ms. */
export interface SessionLinks {
  uplink?: CapacityPath;
  downlink?: CapacityPath;
}

export interface VmSpec {
  /** f_vm, Hz. */
  vmHz: number;
  /** Wall time per model time. */
  timeScale: number;
}

interface PendingInput {
  header: TaskHeaderMessage;
  received: number;
  done: boolean;
  complete: (at: number) => void;
}

export interface SessionStats {
  tasks: number;
  bytesIn: number;
  bytesOut: number;
}

/** Thrown for a message that breaks the protocol; the server ends the session with it. */
export class ProtocolError extends Error {}

const unixMs = (t: number): number => performance.timeOrigin + t;

export class EdgeSession {
  readonly stats: SessionStats = { tasks: 0, bytesIn: 0, bytesOut: 0 };
  private readonly inputs = new Map<number, PendingInput>();
  private vmFree: Promise<unknown> = Promise.resolve();
  private downlinkFree: Promise<unknown> = Promise.resolve();
  private readonly results: Promise<void>[] = [];
  private closed = false;
  /** performance.now() at the session's model time 0. */
  private readonly origin = performance.now();
  /** The emulated uplink is free from this model time (first in, first out). */
  private uplinkFreeMs = 0;

  constructor(
    private readonly vm: VmSpec,
    private readonly open: OpenMessage,
    private readonly send: (msg: EdgeMessage) => void,
    private readonly links: SessionLinks = {},
  ) {}

  private modelMs(t: number): number {
    return (t - this.origin) / this.vm.timeScale;
  }

  private wallOf(modelMs: number): number {
    return this.origin + modelMs * this.vm.timeScale;
  }

  onHeader(header: TaskHeaderMessage): void {
    const { task, cycles, resultBytes } = header;
    if (this.inputs.has(task)) throw new ProtocolError(`task ${task} was sent twice`);
    if (!Number.isFinite(cycles) || cycles < 0) throw new ProtocolError(`task ${task}: bad cycles ${cycles}`);
    if (!Number.isFinite(resultBytes) || resultBytes < 0)
      throw new ProtocolError(`task ${task}: bad result size ${resultBytes}`);
    let arrived!: (at: number) => void;
    const lastByte = new Promise<number>((resolve) => (arrived = resolve));
    let inputDone: Promise<number> = lastByte;
    const uplink = this.links.uplink;
    if (uplink) {
      // The emulated upload: from the header (or the uplink's previous upload), over the trace.
      const start = Math.max(this.modelMs(performance.now()), this.uplinkFreeMs);
      const end = uplink.finish(start, header.uploadBytes > 0 ? header.uploadBytes : header.inputBytes);
      this.uplinkFreeMs = end;
      inputDone = lastByte.then(async (at) => {
        await sleepUntil(this.wallOf(end));
        const received = Math.max(at, performance.now());
        if (!this.closed) this.send({ received: { task, receivedUnixMs: unixMs(received) } });
        return received;
      });
    }
    const complete = arrived;
    this.inputs.set(task, { header, received: 0, done: false, complete });
    this.stats.tasks++;

    const vmRun = this.vmFree
      .then(() => inputDone)
      .then(async (receivedAt) => {
        const start = performance.now();
        await sleepUntil(start + ((this.vm.timeScale * cycles) / this.vm.vmHz) * 1e3);
        return { receivedAt, start, finish: performance.now() };
      });
    this.vmFree = vmRun;
    const queued = PROFILE_RULES[this.open.profile as SimProfile].queuedDownlink;
    const result = Promise.all([vmRun, queued ? this.downlinkFree : undefined]).then(([run]) =>
      this.sendResult(header, run),
    );
    if (queued) this.downlinkFree = result;
    this.results.push(result);
  }

  onInput(chunk: ChunkMessage): void {
    const pending = this.inputs.get(chunk.task);
    if (!pending) throw new ProtocolError(`input for task ${chunk.task} before its header`);
    const expected = pending.header.inputBytes;
    if (pending.done) throw new ProtocolError(`input for task ${chunk.task} after its last chunk`);
    pending.received += chunk.data.length;
    this.stats.bytesIn += chunk.data.length;
    if (pending.received > expected)
      throw new ProtocolError(`task ${chunk.task}: more than the announced ${expected} input bytes`);
    if (chunk.last) {
      if (pending.received !== expected)
        throw new ProtocolError(`task ${chunk.task}: ${pending.received} of ${expected} input bytes`);
      pending.done = true;
      pending.complete(performance.now());
    }
  }

  /** Resolves when every result has been sent; the device must have sent every input. */
  async drain(): Promise<void> {
    const missing = [...this.inputs.values()].filter((p) => !p.done).map((p) => p.header.task);
    if (missing.length > 0)
      throw new ProtocolError(`the session ended without the input of task ${missing[0]}`);
    await Promise.all(this.results);
  }

  /** Stops sending (the device went away); pending tasks are dropped. */
  close(): void {
    this.closed = true;
  }

  private async sendResult(
    header: TaskHeaderMessage,
    run: { receivedAt: number; start: number; finish: number },
  ): Promise<void> {
    if (this.closed) return;
    const start = performance.now();
    this.send({
      report: {
        task: header.task,
        inputReceivedUnixMs: unixMs(run.receivedAt),
        vmStartUnixMs: unixMs(run.start),
        vmFinishUnixMs: unixMs(run.finish),
        resultStartUnixMs: unixMs(start),
      },
    });
    const bytes = Math.round(header.resultBytes);
    const downlink = this.links.downlink;
    const from = this.modelMs(start);
    await sendPaced(
      {
        bytes,
        durationMs: ((this.vm.timeScale * 8 * header.resultBytes) / this.open.downlinkBps) * 1e3,
        // A trace: the first b real bytes are the model's b · result_bytes / bytes.
        ...(downlink
          ? {
              deadlineOf: (sent: number) =>
                this.wallOf(downlink.finish(from, bytes > 0 ? (sent * header.resultBytes) / bytes : 0)),
            }
          : {}),
        fill: header.task & 0xff,
        aborted: () => this.closed,
        write: (data, last) => {
          this.stats.bytesOut += data.length;
          this.send({ result: { task: header.task, data, last } });
        },
      },
      start,
    );
  }
}
