/**
 * The device's end of a session with an executor: opens it, sends offloaded tasks' inputs paced at R_ul
 * (the emulated uplink) and collects their results, which the executor paces at R_dl.
 */
import * as grpc from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import type { SimProfile } from '../../mec/simulator.js';
import { InputError } from '../../util/errors.js';
import { sendPaced } from './pacing.js';
import {
  executionProto,
  type EdgeMessage,
  type ExecutorClient,
  type SessionCall,
  type OpenedMessage,
  type TaskHeaderMessage,
  type TaskReportMessage,
} from './proto.js';

export interface EdgeLinkOptions {
  /** The executor, HOST:PORT. */
  address: string;
  profile: SimProfile;
  downlinkBps: number;
  /** f_vm the device's model assumes; the executor refuses a session if its VMs differ. */
  vmHz: number;
  /** Wall time per model time; undefined: the executor's default. */
  timeScale?: number;
  /** How long to wait for the executor to accept the session. */
  connectTimeoutMs?: number;
  /** With an executor that replays traces: the trace time of the session's model time 0. */
  traceOffsetMs?: number;
}

/** What the executor said of its links when it accepted the session. */
export interface ExecutorLinks {
  emulatesUplink: boolean;
  emulatesDownlink: boolean;
  /** The executor's description of its traces (JSON), '' for constant links. */
  description: string;
}

export interface ReceivedResult {
  /** performance.now() when the last result byte arrived. */
  finish: number;
  bytes: number;
  report?: TaskReportMessage;
}

interface PendingResult {
  bytes: number;
  report?: TaskReportMessage;
  resolve: (r: ReceivedResult) => void;
  reject: (e: Error) => void;
}

// gRPC's details can span lines and end in an empty "Resolution note:".
const oneLine = (text: string): string =>
  text
    .replace(/\s+/g, ' ')
    .replace(/\s*Resolution note:\s*$/, '')
    .trim();

export class EdgeLink {
  /** Wall time per model time of this session (the executor confirms it). */
  timeScale = 1;
  links: ExecutorLinks = { emulatesUplink: false, emulatesDownlink: false, description: '' };
  /** Uploads waiting for the executor's `received` (an emulated uplink). */
  private readonly uploads = new Map<number, (receivedAt: number) => void>();
  bytesUp = 0;
  bytesDown = 0;
  private readonly results = new Map<number, PendingResult>();
  private failure: Error | undefined;
  private onOpened: ((opened: OpenedMessage) => void) | undefined;
  private onEnded: (() => void) | undefined;
  private onFailed: ((err: Error) => void)[] = [];

  private constructor(
    private readonly address: string,
    private readonly client: ExecutorClient,
    private readonly call: SessionCall,
  ) {}

  /** Connects and opens a session; a refusal or an unreachable executor is an InputError naming it. */
  static async open(options: EdgeLinkOptions): Promise<EdgeLink> {
    const { Client } = executionProto();
    const client = new Client(options.address, grpc.credentials.createInsecure());
    const link = new EdgeLink(options.address, client, client.Session());
    link.call.on('data', (msg: EdgeMessage) => link.receive(msg));
    link.call.on('error', (err: grpc.ServiceError) => link.fail(link.describe(err)));
    link.call.on('end', () => link.onEnded?.());
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const opened = new Promise<OpenedMessage>((resolve, reject) => {
      link.onOpened = resolve;
      link.onFailed.push(reject);
      setTimeout(() => {
        if (link.onOpened) {
          link.call.cancel();
          link.fail(
            new InputError(`no answer from the executor at ${options.address} within ${timeoutMs / 1000} s`),
          );
        }
      }, timeoutMs).unref();
    });
    link.call.write({
      open: {
        profile: options.profile,
        downlinkBps: options.downlinkBps,
        vmHz: options.vmHz,
        timeScale: options.timeScale ?? 0,
        traceOffsetMs: options.traceOffsetMs ?? 0,
      },
    });
    try {
      const o = await opened;
      link.timeScale = o.timeScale;
      link.links = {
        emulatesUplink: o.emulatesUplink,
        emulatesDownlink: o.emulatesDownlink,
        description: o.links,
      };
    } catch (err) {
      client.close();
      throw err;
    }
    link.onFailed = [];
    return link;
  }

  /** Starts expecting task `task`'s result; call before its input is sent. */
  expectResult(task: number): Promise<ReceivedResult> {
    return new Promise<ReceivedResult>((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.results.set(task, { bytes: 0, resolve, reject });
    });
  }

  /**
   * Sends a task's header and its input bytes, paced so that they take `durationMs` (wall); resolves
   * with when the upload started and when its last chunk was written. With an executor that emulates
   * the uplink, the bytes go unpaced and the upload ends when the executor has `received` it.
   */
  async upload(header: TaskHeaderMessage, durationMs: number): Promise<{ start: number; finish: number }> {
    if (this.failure) throw this.failure;
    const start = performance.now();
    const emulated = this.links.emulatesUplink;
    const received = emulated
      ? new Promise<number>((resolve) => this.uploads.set(header.task, resolve))
      : undefined;
    this.call.write({ task: header });
    const written = await sendPaced(
      {
        bytes: header.inputBytes,
        durationMs: emulated ? 0 : durationMs,
        fill: header.task & 0xff,
        aborted: () => this.failure !== undefined,
        write: (data, last) => {
          this.bytesUp += data.length;
          this.call.write({ input: { task: header.task, data, last } });
        },
      },
      start,
    );
    const finish = received ? await Promise.race([received, this.failed()]) : written;
    if (this.failure) throw this.failure;
    return { start, finish };
  }

  /** Rejects when the session fails (so that a wait for the executor cannot hang). */
  private failed(): Promise<never> {
    return new Promise<never>((_, reject) => {
      if (this.failure) reject(this.failure);
      else this.onFailed.push(reject);
    });
  }

  /** Ends the session: half-closes and waits for the executor to end it too. */
  async close(): Promise<void> {
    if (!this.failure) {
      const ended = new Promise<void>((resolve, reject) => {
        this.onEnded = resolve;
        this.onFailed.push(reject);
      });
      this.call.end();
      await ended.finally(() => this.client.close());
      return;
    }
    this.client.close();
  }

  /** Drops the session (after a failure elsewhere). */
  abort(): void {
    this.call.cancel();
    this.client.close();
  }

  private receive(msg: EdgeMessage): void {
    if (msg.kind === 'opened' && msg.opened) {
      const resolve = this.onOpened;
      this.onOpened = undefined;
      resolve?.(msg.opened);
      return;
    }
    if (msg.kind === 'received' && msg.received) {
      const done = this.uploads.get(msg.received.task);
      this.uploads.delete(msg.received.task);
      // The executor's clock is this host's (or synchronised): its Unix ms as our performance time.
      done?.(msg.received.receivedUnixMs - performance.timeOrigin);
      return;
    }
    const task = msg.kind === 'report' ? msg.report?.task : msg.result?.task;
    const pending = task === undefined ? undefined : this.results.get(task);
    if (!pending) {
      this.call.cancel();
      this.fail(new InputError(`executor at ${this.address}: unexpected message for task ${task}`));
      return;
    }
    if (msg.kind === 'report' && msg.report) pending.report = msg.report;
    else if (msg.kind === 'result' && msg.result) {
      pending.bytes += msg.result.data.length;
      this.bytesDown += msg.result.data.length;
      if (msg.result.last) {
        this.results.delete(task!);
        pending.resolve({ finish: performance.now(), bytes: pending.bytes, report: pending.report });
      }
    }
  }

  private describe(err: grpc.ServiceError): InputError {
    const details = oneLine(err.details || err.message);
    if (err.code === grpc.status.UNAVAILABLE) {
      return new InputError(
        this.onOpened
          ? `cannot reach the executor at ${this.address}: ${details}`
          : `lost the connection to the executor at ${this.address}: ${details}`,
      );
    }
    return new InputError(`executor at ${this.address}: ${details}`);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const reject of this.onFailed) reject(err);
    for (const pending of this.results.values()) pending.reject(err);
    this.results.clear();
  }
}
