/**
 * The remote execution service's gRPC contract (proto/execution.proto), loaded at run time with
 * proto-loader, and the TypeScript shapes of its messages as proto-loader decodes them (camelCase,
 * 64-bit integers as numbers, defaults filled in, `kind` naming the member of each oneof that is set).
 */
import type * as grpc from '@grpc/grpc-js';
import { loadService, type LoadedService } from '../grpc/load-service.js';

export interface OpenMessage {
  profile: string;
  downlinkBps: number;
  vmHz: number;
  timeScale: number;
  traceOffsetMs: number;
}

export interface OpenedMessage {
  vmHz: number;
  timeScale: number;
  emulatesUplink: boolean;
  emulatesDownlink: boolean;
  links: string;
}

export interface InputReceivedMessage {
  task: number;
  receivedUnixMs: number;
}

export interface TaskHeaderMessage {
  task: number;
  cycles: number;
  inputBytes: number;
  resultBytes: number;
  uploadBytes: number;
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
  kind?: 'opened' | 'report' | 'result' | 'received';
  opened?: OpenedMessage | null;
  report?: TaskReportMessage | null;
  result?: ChunkMessage | null;
  received?: InputReceivedMessage | null;
}

export type SessionCall = grpc.ClientDuplexStream<DeviceMessage, EdgeMessage>;
export type ServerSessionCall = grpc.ServerDuplexStream<DeviceMessage, EdgeMessage>;

export interface ExecutorClient extends grpc.Client {
  Session(options?: grpc.CallOptions): SessionCall;
}

let loaded: LoadedService<ExecutorClient> | undefined;

export function executionProto(): LoadedService<ExecutorClient> {
  loaded ??= loadService<ExecutorClient>('execution.proto', 'mrlco.execution.v1.Executor');
  return loaded;
}
