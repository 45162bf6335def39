/**
 * The global training service on gRPC: authenticates every call by its device token (hashed, looked up
 * in the state store on each call, so `serve token add/revoke` take effect at once) and hands the call to
 * the coordinator. Refusals are logged with the device and the reason; the service keeps running.
 */
import * as grpc from '@grpc/grpc-js';
import { InputError } from '../../util/errors.js';
import type { Coordinator } from './coordinator.js';
import {
  federationProto,
  PROTOCOL_VERSION,
  type HelloRequest,
  type TaskRequest,
  type UpdateMessage,
} from './proto.js';
import type { StateStore } from './state-store.js';
import { bearerToken, hashToken } from './tokens.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export interface RunningService {
  /** host:port actually bound. */
  address: string;
  port: number;
  close(): Promise<void>;
}

type Authenticated = { ok: true; device: string } | { ok: false; error: Partial<grpc.StatusObject> };

function authenticate(store: StateStore, coordinator: Coordinator, metadata: grpc.Metadata): Authenticated {
  const header = metadata.get('authorization')[0];
  const token = bearerToken(typeof header === 'string' ? header : header?.toString());
  if (!token) {
    coordinator.logRefusal(null, null, 'unauthenticated', 'no bearer token');
    return { ok: false, error: { code: grpc.status.UNAUTHENTICATED, details: 'a device token is required' } };
  }
  const device = store.deviceByTokenHash(hashToken(token));
  if (!device) {
    coordinator.logRefusal(null, null, 'unauthenticated', 'unknown token');
    return { ok: false, error: { code: grpc.status.UNAUTHENTICATED, details: 'unknown device token' } };
  }
  if (device.revoked) {
    coordinator.markRevoked(device.name);
    coordinator.logRefusal(device.name, null, 'unauthenticated', 'revoked token');
    return {
      ok: false,
      error: { code: grpc.status.PERMISSION_DENIED, details: 'this device token is revoked' },
    };
  }
  return { ok: true, device: device.name };
}

export async function startFederationServer(o: {
  coordinator: Coordinator;
  store: StateStore;
  host: string;
  port: number;
  tls?: TlsFiles;
}): Promise<RunningService> {
  const { coordinator, store } = o;
  const limit = coordinator.maxMessageBytes;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': limit,
    'grpc.max_send_message_length': limit,
  });
  const guard =
    <Req, Res>(
      handler: (device: string, req: Req) => Promise<Res> | Res,
      onCancelled?: (device: string) => void,
    ) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>): void => {
      const auth = authenticate(store, coordinator, call.metadata);
      if (!auth.ok) {
        callback(auth.error);
        return;
      }
      if (onCancelled) call.on('cancelled', () => onCancelled(auth.device));
      Promise.resolve()
        .then(() => handler(auth.device, call.request))
        .then(
          (reply) => callback(null, reply),
          (err: Error) => callback({ code: grpc.status.INTERNAL, details: err.message }),
        );
    };
  server.addService(federationProto().service, {
    Hello: guard((device, req: HelloRequest) => {
      if (req.protocol !== PROTOCOL_VERSION)
        throw new Error(
          `protocol ${req.protocol} is not supported (this service speaks ${PROTOCOL_VERSION})`,
        );
      return coordinator.hello(device, req.taskName);
    }),
    // A long poll the device cancels (its process ended) makes it offline at once.
    NextTask: guard(
      (device, req: TaskRequest) => coordinator.nextTask(device, req.waitMs),
      (device) => coordinator.leave(device),
    ),
    Submit: guard((device, req: UpdateMessage) => coordinator.submit(device, req)),
  });
  const credentials = o.tls
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: o.tls.cert, private_key: o.tls.key }], false)
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${o.host}:${o.port}`, credentials, (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  ).catch((err: Error) => {
    throw new InputError(`cannot listen on ${o.host}:${o.port}: ${err.message}`);
  });
  return {
    address: `${o.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        coordinator.shutdown();
        server.tryShutdown(() => resolve());
        // Long polls end at once (the coordinator released them); force the rest after a moment.
        setTimeout(() => server.forceShutdown(), 2000).unref();
      }),
  };
}
