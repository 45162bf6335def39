/**
 * The service URL a device is given: `grpc://HOST:PORT` (plaintext), `grpcs://HOST:PORT` (TLS), or a
 * bare `HOST:PORT` (plaintext).
 */
import { UsageError } from '../../util/errors.js';
import { parseHostPort, type HostPort } from '../grpc/address.js';

export interface Endpoint extends HostPort {
  tls: boolean;
}

export function parseServerUrl(value: string): Endpoint {
  const m = /^(?:(grpcs?):\/\/)?([^/]*)\/?$/.exec(value.trim());
  if (!m) throw new UsageError(`--server ${value}: expected grpc://HOST:PORT or grpcs://HOST:PORT`);
  return { ...parseHostPort(m[2], '--server'), tls: m[1] === 'grpcs' };
}
