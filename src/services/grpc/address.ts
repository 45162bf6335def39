/** `HOST:PORT` addresses of the gRPC services (IPv6 hosts in brackets: `[::1]:7070`). */
import { UsageError } from '../../util/errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses HOST:PORT; `option` names the command-line option in the error. Port 0 is allowed when listening. */
export function parseHostPort(text: string, option: string, allowPortZero = false): HostPort {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535 || (port === 0 && !allowPortZero)) {
    throw new UsageError(`${option} must be HOST:PORT (e.g. 127.0.0.1:7070), got "${text}"`);
  }
  return { host: m[1], port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return `${host}:${port}`;
}
