/**
 * Loads one gRPC service of the package's proto/ folder at run time with proto-loader, decoded the way
 * every mrlco service reads its messages: camelCase fields, 64-bit integers as numbers, enums as
 * strings, defaults filled in, and `oneofs` naming the member of each oneof that is set.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

export interface LoadedService<Client> {
  service: grpc.ServiceDefinition;
  Client: new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => Client;
}

/** `file` is relative to proto/; `qualifiedName` is e.g. "mrlco.execution.v1.Executor". */
export function loadService<Client>(file: string, qualifiedName: string): LoadedService<Client> {
  // dist/src/services/grpc/load-service.js → <package root>/proto/ (dist/ mirrors src/).
  const path = fileURLToPath(new URL(`../../../../proto/${file}`, import.meta.url));
  const definition = protoLoader.loadSync(path, {
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  let node: unknown = grpc.loadPackageDefinition(definition);
  for (const part of qualifiedName.split('.')) node = (node as Record<string, unknown>)[part];
  const ctor = node as grpc.ServiceClientConstructor;
  return { service: ctor.service, Client: ctor as unknown as LoadedService<Client>['Client'] };
}
