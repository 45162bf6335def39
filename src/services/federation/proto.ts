/**
 * The federation's gRPC contract (proto/federation.proto), loaded at run time with proto-loader, and
 * the TypeScript shapes of its messages as proto-loader decodes them (camelCase, longs as numbers,
 * enums as strings, defaults filled in).
 */
import type * as grpc from '@grpc/grpc-js';
import { loadService, type LoadedService } from '../grpc/load-service.js';

/** Bumped when the messages change incompatibly. */
export const PROTOCOL_VERSION = 1;

export interface ParamsMessage {
  format: number;
  count: number;
  data: Buffer;
  sha256: Buffer;
}

export interface HelloRequest {
  protocol: number;
  taskName: string;
  dags: number;
}

export interface HelloReply {
  protocol: number;
  device: string;
  policyJson: string;
  seed: number;
  paramCount: number;
  maxMessageBytes: number;
}

export interface TaskRequest {
  waitMs: number;
}

export type TaskKind = 'WAIT' | 'TRAIN' | 'DONE';

export interface TaskReply {
  kind: TaskKind;
  round: number;
  modelVersion: number;
  slot: number;
  params: ParamsMessage | null;
  ppoJson: string;
  deadlineMs: number;
  retryAfterMs: number;
}

export interface UpdateMessage {
  round: number;
  modelVersion: number;
  params: ParamsMessage | null;
  samples: number;
  sampledMakespanMs: number;
}

export interface SubmitReply {
  accepted: boolean;
  reason: string;
}

export interface GlobalTrainingClient extends grpc.Client {
  Hello(
    req: HelloRequest,
    meta: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, reply?: HelloReply) => void,
  ): grpc.ClientUnaryCall;
  NextTask(
    req: TaskRequest,
    meta: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, reply?: TaskReply) => void,
  ): grpc.ClientUnaryCall;
  Submit(
    req: UpdateMessage,
    meta: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, reply?: SubmitReply) => void,
  ): grpc.ClientUnaryCall;
}

let loaded: LoadedService<GlobalTrainingClient> | undefined;

export function federationProto(): LoadedService<GlobalTrainingClient> {
  loaded ??= loadService<GlobalTrainingClient>('federation.proto', 'mrlco.federation.v1.GlobalTraining');
  return loaded;
}
