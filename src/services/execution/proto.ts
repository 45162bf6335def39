/**
 * The remote execution service's gRPC contract (proto/execution.proto), loaded at run time with
 * proto-loader, and the TypeScript shapes of its messages as proto-loader decodes them (camelCase,
 * 64-bit integers as numbers, defaults filled in, `kind` naming the member of each oneof that is set).
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

// dist/src/services/execution/proto.js → <package root>/proto/execution.proto (dist/ mirrors src/).
const PROTO_PATH = fileURLToPath(new URL('../../../../proto/execution.proto', import.meta.url));

export interface OpenMessage {
  profile: string;
  downlinkBps: number;
  vmHz: number;
  timeScale: number;
}

export interface OpenedMessage {
  vmHz: number;
  timeScale: number;
}

export interface TaskHeaderMessage {
  task: number;
  cycles: number;
  inputBytes: number;
  resultBytes: number;
}

export interface ChunkMessage {
  task: number;
  data: Buffer;
  last: boolean;
}

export interface TaskReportMessage {
  task: number;
  inputReceivedUnixMs: number;
  vmStartUnixMs: number;
  vmFinishUnixMs: number;
  resultStartUnixMs: number;
}

/** Sent by the device; exactly one member is set (`kind` names it on receipt). */
export interface DeviceMessage {
  kind?: 'open' | 'task' | 'input';
  open?: OpenMessage | null;
  task?: TaskHeaderMessage | null;
  input?: ChunkMessage | null;
}

/** Sent by the executor; exactly one member is set. */
export interface EdgeMessage {
  kind?: 'opened' | 'report' | 'result';
  opened?: OpenedMessage | null;
  report?: TaskReportMessage | null;
  result?: ChunkMessage | null;
}

export type SessionCall = grpc.ClientDuplexStream<DeviceMessage, EdgeMessage>;
export type ServerSessionCall = grpc.ServerDuplexStream<DeviceMessage, EdgeMessage>;

export interface ExecutorClient extends grpc.Client {
  Session(options?: grpc.CallOptions): SessionCall;
}

interface LoadedExecution {
  service: grpc.ServiceDefinition;
  Client: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ClientOptions,
  ) => ExecutorClient;
}

let loaded: LoadedExecution | undefined;

export function executionProto(): LoadedExecution {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(PROTO_PATH, {
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    mrlco: { execution: { v1: { Executor: grpc.ServiceClientConstructor } } };
  };
  const ctor = pkg.mrlco.execution.v1.Executor;
  loaded = { service: ctor.service, Client: ctor as unknown as LoadedExecution['Client'] };
  return loaded;
}
