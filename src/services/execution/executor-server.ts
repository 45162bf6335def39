/**
 * The remote execution service (the edge side of the paper's Fig. 2): a gRPC server with k VMs of
 * f_vm = f_s / k each. A device session holds one VM for its lifetime (the paper gives each UE a
 * dedicated VM); with all k in use, further sessions are refused.
 */
import { isSimProfile } from '../../mec/profiles.js';
import * as grpc from '@grpc/grpc-js';
import { createServer, type AddressInfo } from 'node:net';
import { InputError } from '../../util/errors.js';
import { formatHostPort, parseHostPort } from '../grpc/address.js';
import { basename } from 'node:path';
import { TracePath } from '../../world/paths.js';
import type { LinkTrace } from '../../world/trace.js';
import { EdgeSession, ProtocolError, type SessionLinks } from './edge-session.js';
import { executionProto, type DeviceMessage, type EdgeMessage, type ServerSessionCall } from './proto.js';

export interface ExecutorOptions {
  /** HOST:PORT; port 0 picks a free port. */
  listen: string;
  /** f_s, Hz. */
  serverHz: number;
  /** k: the number of VMs, each f_s / k. */
  users: number;
  /** Wall time per model time (1 = real time) for sessions that do not choose one. */
  timeScale: number;
  /** One line per session opened or closed. */
  log?: (line: string) => void;
  /** Traces to replay on the links (a session's model time 0 is trace time its offset). */
  traces?: ExecutorTraces;
}

/** The traces an executor replays, with the scale of their bytes (`--trace-mean`). */
export interface ExecutorTraces {
  uplink?: LinkTrace;
  downlink?: LinkTrace;
  scale: number;
}

/** The traces as the executor describes them to a device (it checks them against its own world). */
export function describeTraces(traces: ExecutorTraces): string {
  const one = (t?: LinkTrace) =>
    t ? { name: basename(t.name), periodMs: t.periodMs, totalBytes: t.totalBytes } : null;
  return JSON.stringify({ uplink: one(traces.uplink), downlink: one(traces.downlink), scale: traces.scale });
}

export interface RunningExecutor {
  /** The bound HOST:PORT (the actual port when 0 was asked for). */
  readonly address: string;
  readonly vmHz: number;
  /** Stops accepting sessions, ends the open ones, and resolves when the server is down. */
  close(): Promise<void>;
}

/** f_vm values closer than this relative difference are the same VM (they travel as doubles). */
const VM_HZ_TOLERANCE = 1e-9;

export async function startExecutor(options: ExecutorOptions): Promise<RunningExecutor> {
  const { host, port } = parseHostPort(options.listen, '--listen', true);
  const vmHz = options.serverHz / options.users;
  const log = options.log ?? (() => {});
  // Open sessions, each with the function that ends it with a status.
  const sessions = new Map<ServerSessionCall, (error: { code: grpc.status; details: string }) => void>();

  const handleSession = (call: ServerSessionCall): void => {
    const peer = call.getPeer();
    let session: EdgeSession | undefined;
    let ended = false;
    const finish = (error?: { code: grpc.status; details: string }, endCall = true): void => {
      if (ended) return;
      ended = true;
      session?.close();
      if (sessions.delete(call) && session) {
        const s = session.stats;
        log(`session from ${peer} closed: ${s.tasks} tasks, ${s.bytesIn} bytes in, ${s.bytesOut} bytes out`);
      }
      // An 'error' event makes grpc-js send that status and end the call.
      if (!endCall) return;
      if (error) call.emit('error', error);
      else call.end();
    };
    const send = (msg: EdgeMessage): void => {
      if (!ended) call.write(msg);
    };

    const onOpen = (msg: DeviceMessage): void => {
      const open = msg.open;
      if (msg.kind !== 'open' || !open) throw new ProtocolError('the first message must be open');
      if (!isSimProfile(open.profile)) throw new ProtocolError(`unknown profile "${open.profile}"`);
      if (!(open.downlinkBps > 0)) throw new ProtocolError('downlink_bps must be positive');
      if (open.vmHz > 0 && Math.abs(open.vmHz - vmHz) > VM_HZ_TOLERANCE * vmHz) {
        throw new ExecutorRefusal(
          grpc.status.FAILED_PRECONDITION,
          `this executor's VMs run at f_s/k = ${vmHz / 1e9} GHz, the device's model assumes ${open.vmHz / 1e9} GHz`,
        );
      }
      if (!Number.isFinite(open.timeScale) || open.timeScale < 0)
        throw new ProtocolError(`bad time scale ${open.timeScale}`);
      // The time scale is the emulation's, not the edge's hardware: each session may choose its own.
      const timeScale = open.timeScale > 0 ? open.timeScale : options.timeScale;
      if (sessions.size >= options.users) {
        throw new ExecutorRefusal(
          grpc.status.RESOURCE_EXHAUSTED,
          `all ${options.users} VM(s) of this executor are in use (--users sets how many)`,
        );
      }
      if (!Number.isFinite(open.traceOffsetMs) || open.traceOffsetMs < 0)
        throw new ProtocolError(`bad trace offset ${open.traceOffsetMs}`);
      sessions.set(call, finish);
      const traces = options.traces;
      const links: SessionLinks = {};
      const pathOf = (trace: LinkTrace): TracePath => {
        const path = new TracePath(trace, traces!.scale);
        path.offsetMs = open.traceOffsetMs;
        return path;
      };
      if (traces?.uplink) links.uplink = pathOf(traces.uplink);
      if (traces?.downlink) links.downlink = pathOf(traces.downlink);
      session = new EdgeSession({ vmHz, timeScale }, open, send, links);
      log(
        `session from ${peer} opened (${open.profile} profile, time scale ${timeScale}${traces ? `, traces from ${open.traceOffsetMs} ms` : ''})`,
      );
      send({
        opened: {
          vmHz,
          timeScale,
          emulatesUplink: links.uplink !== undefined,
          emulatesDownlink: links.downlink !== undefined,
          links: traces ? describeTraces(traces) : '',
        },
      });
    };

    call.on('data', (msg: DeviceMessage) => {
      if (ended) return;
      try {
        if (!session) onOpen(msg);
        else if (msg.kind === 'task' && msg.task) session.onHeader(msg.task);
        else if (msg.kind === 'input' && msg.input) session.onInput(msg.input);
        else throw new ProtocolError(`unexpected message ${msg.kind ?? '(empty)'}`);
      } catch (err) {
        if (err instanceof ExecutorRefusal) finish({ code: err.code, details: err.message });
        else if (err instanceof ProtocolError)
          finish({ code: grpc.status.INVALID_ARGUMENT, details: err.message });
        else throw err;
      }
    });
    // The device half-closes after its last input: finish sending what is still running, then end.
    call.on('end', () => {
      if (!session) return finish();
      session.drain().then(
        () => finish(),
        (err: Error) =>
          finish({
            code: err instanceof ProtocolError ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL,
            details: err.message,
          }),
      );
    });
    // The device went away (or the server is shutting down): stop its VM and downlink.
    call.on('cancelled', () => finish(undefined, false));
    call.on('error', () => finish(undefined, false));
  };

  const server = new grpc.Server();
  server.addService(executionProto().service, { Session: handleSession });
  // Our own listener instead of server.bindAsync, for its sockets' noDelay: without it Nagle's algorithm
  // holds the executor's small writes (result chunks, HTTP/2 window updates) for milliseconds.
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const listener = createServer({ noDelay: true }, (socket) => injector.injectConnection(socket));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (err) =>
      reject(new InputError(`cannot listen on ${options.listen}: ${err.message}`)),
    );
    listener.listen(port, host.replace(/^\[(.*)\]$/, '$1'), () => resolve());
  });
  const address = formatHostPort({ host, port: (listener.address() as AddressInfo).port });

  return {
    address,
    vmHz,
    close: () =>
      new Promise<void>((resolve) => {
        // Open sessions end with a status saying why, rather than a bare cancellation.
        for (const end of [...sessions.values()])
          end({ code: grpc.status.UNAVAILABLE, details: 'the executor was stopped' });
        listener.close(() => resolve());
        server.tryShutdown(() => injector.destroy());
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}

/** A session the executor declines, with the gRPC status the device will see. */
class ExecutorRefusal extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}
