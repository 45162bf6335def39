/**
 * Addresses: `HOST:PORT` to listen on, and the service URL a device is given: `grpc://HOST:PORT`
 * (plaintext), `grpcs://HOST:PORT` (TLS), or a bare `HOST:PORT` (plaintext).
 */
import { UsageError } from '../../util/errors.js';

export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
}

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new UsageError(`--listen ${value}: expected HOST:PORT (port 0 picks a free one)`);
  return { host: m[1], port };
}

export function parseServerUrl(value: string): Endpoint {
  const m = /^(?:(grpcs?):\/\/)?(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535)
    throw new UsageError(`--server ${value}: expected grpc://HOST:PORT or grpcs://HOST:PORT`);
  return { host: m[2], port, tls: m[1] === 'grpcs' };
}
