/**
 * The device side of Fig. 3 (local trainer): download θ, run the inner loop (m PPO steps) on the
 * device's own learning task, upload θ'. It keeps going through a restarting service (UNAVAILABLE is
 * retried with backoff) and stops when the service says the run is finished. Refused credentials end it
 * with a one-line error.
 */
import * as grpc from '@grpc/grpc-js';
import type { Backend } from '../../nn/backend.js';
import { runInnerLoop } from '../../meta/inner-loop.js';
import { createPolicy } from '../../policy/create.js';
import { policyConfigFromJson, ppoConfigFromJson } from '../../rl/config.js';
import { compileTask, type CompiledTask, type LearningTask } from '../../rl/learning-task.js';
import { InputError } from '../../util/errors.js';
import type { Endpoint } from './endpoint.js';
import { decodeParams, encodeParams } from './params-codec.js';
import {
  federationProto,
  PROTOCOL_VERSION,
  type GlobalTrainingClient,
  type HelloReply,
  type SubmitReply,
  type TaskReply,
  type UpdateMessage,
} from './proto.js';

export interface DeviceOptions {
  be: Backend;
  endpoint: Endpoint;
  token: string;
  task: LearningTask;
  /** PEM of the CA that signed the service's certificate (TLS; the system's roots otherwise). */
  tlsCa?: Buffer;
  /** Give up after the service has been unreachable this long, ms. */
  giveUpMs?: number;
  /** Long-poll length, ms. */
  pollMs?: number;
  log?: (line: string) => void;
}

export interface DeviceSummary {
  rounds: number;
  accepted: number;
  refused: number;
}

const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]);

/** A gRPC client for the service with the device's token on every call. */
export class FederationClient {
  readonly client: GlobalTrainingClient;
  private readonly metadata: grpc.Metadata;

  constructor(endpoint: Endpoint, token: string, tlsCa?: Buffer, maxMessageBytes = 256 << 20) {
    const { Client } = federationProto();
    const credentials = endpoint.tls
      ? grpc.credentials.createSsl(tlsCa ?? null)
      : grpc.credentials.createInsecure();
    this.client = new Client(`${endpoint.host}:${endpoint.port}`, credentials, {
      'grpc.max_receive_message_length': maxMessageBytes,
      'grpc.max_send_message_length': maxMessageBytes,
    });
    this.metadata = new grpc.Metadata();
    this.metadata.set('authorization', `Bearer ${token}`);
  }

  private call<Req, Res>(method: 'Hello' | 'NextTask' | 'Submit', req: Req, timeoutMs: number): Promise<Res> {
    return new Promise((resolve, reject) => {
      const fn = this.client[method].bind(this.client) as unknown as (
        r: Req,
        m: grpc.Metadata,
        o: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, reply?: Res) => void,
      ) => void;
      fn(req, this.metadata, { deadline: Date.now() + timeoutMs }, (err, reply) =>
        err ? reject(err) : resolve(reply!),
      );
    });
  }

  hello(taskName: string, dags: number): Promise<HelloReply> {
    return this.call('Hello', { protocol: PROTOCOL_VERSION, taskName, dags }, 10_000);
  }

  nextTask(waitMs: number): Promise<TaskReply> {
    return this.call('NextTask', { waitMs }, waitMs + 10_000);
  }

  submit(update: UpdateMessage): Promise<SubmitReply> {
    return this.call('Submit', update, 60_000);
  }

  close(): void {
    this.client.close();
  }
}

function isRetryable(err: unknown): boolean {
  return RETRYABLE.has((err as grpc.ServiceError).code);
}

function refusedCredentials(err: unknown, where: string): InputError | undefined {
  const code = (err as grpc.ServiceError).code;
  if (code === grpc.status.UNAUTHENTICATED || code === grpc.status.PERMISSION_DENIED)
    return new InputError(`${where}: the service refused this device: ${(err as grpc.ServiceError).details}`);
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runDevice(o: DeviceOptions): Promise<DeviceSummary> {
  const log = o.log ?? (() => {});
  const where = `${o.endpoint.tls ? 'grpcs' : 'grpc'}://${o.endpoint.host}:${o.endpoint.port}`;
  const giveUpMs = o.giveUpMs ?? 600_000;
  const pollMs = o.pollMs ?? 20_000;
  const client = new FederationClient(o.endpoint, o.token, o.tlsCa);
  let unreachableSince: number | undefined;
  let backoff = 100;
  // Retries a call while the service is unreachable (restarting), up to giveUpMs in all.
  const withRetry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        const r = await fn();
        unreachableSince = undefined;
        backoff = 100;
        return r;
      } catch (err) {
        const refused = refusedCredentials(err, where);
        if (refused) throw refused;
        if (!isRetryable(err))
          throw new InputError(
            `${where}: ${what} failed: ${(err as grpc.ServiceError).details ?? (err as Error).message}`,
          );
        unreachableSince ??= Date.now();
        if (Date.now() - unreachableSince > giveUpMs)
          throw new InputError(
            `${where}: the service has been unreachable for ${Math.round(giveUpMs / 1000)} s`,
          );
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  };

  try {
    const hello = await withRetry('hello', () => client.hello(o.task.name, o.task.dags.length));
    if (hello.protocol !== PROTOCOL_VERSION)
      throw new InputError(
        `${where}: the service speaks protocol ${hello.protocol}, this device ${PROTOCOL_VERSION}`,
      );
    // What the service sends is validated like a command line before anything is built from it.
    const policyConfig = policyConfigFromJson(hello.policyJson, `${where}: the service's policy`);
    const scratch = createPolicy(policyConfig, 0);
    if (scratch.params.size !== hello.paramCount)
      throw new InputError(
        `${where}: the service's model has ${hello.paramCount} parameters, this build makes ${scratch.params.size}`,
      );
    const compiled: CompiledTask = compileTask(o.task, policyConfig.neighbours);
    log(
      `registered as ${hello.device}: task ${o.task.name} (${o.task.dags.length} DAGs), ${hello.paramCount} parameters`,
    );
    const summary: DeviceSummary = { rounds: 0, accepted: 0, refused: 0 };
    for (;;) {
      const task = await withRetry('polling for work', () => client.nextTask(pollMs));
      if (task.kind === 'DONE') {
        log(`training finished at model version ${task.modelVersion}`);
        return summary;
      }
      if (task.kind === 'WAIT') {
        if (task.retryAfterMs > 0) await sleep(task.retryAfterMs);
        continue;
      }
      const theta = decodeParams(task.params, hello.paramCount);
      if (!theta.ok) {
        log(`round ${task.round}: ignoring a corrupt download (${theta.reason})`);
        continue;
      }
      const ppo = ppoConfigFromJson(task.ppoJson, `${where}: the service's PPO settings`);
      log(`round ${task.round}: training (slot ${task.slot}, model version ${task.modelVersion})`);
      const started = performance.now();
      const r = runInnerLoop(o.be, scratch, theta.values, compiled, ppo, {
        seed: hello.seed,
        iteration: task.round,
        slot: task.slot,
      });
      const reply = await withRetry('upload', () =>
        client.submit({
          round: task.round,
          modelVersion: task.modelVersion,
          params: encodeParams(r.thetaPrime),
          samples: r.samples,
          sampledMakespanMs: r.sampledMakespanMs,
        }),
      );
      summary.rounds++;
      const secs = ((performance.now() - started) / 1000).toFixed(1);
      if (reply.accepted) {
        summary.accepted++;
        log(
          `round ${task.round}: uploaded, accepted (${secs} s, sampled makespan ${r.sampledMakespanMs.toFixed(1)} ms)`,
        );
      } else {
        summary.refused++;
        log(`round ${task.round}: uploaded, refused: ${reply.reason}`);
      }
    }
  } finally {
    client.close();
  }
}
