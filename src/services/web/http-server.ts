/**
 * The HTTP side of `mrlco serve`: the status page, its JSON and the Gantt chart, on node:http.
 *
 * Routes (GET and HEAD only; anything else on them is 405):
 *   /                the page (src/services/web/page.ts)
 *   /api/status      the service's FederationStatus as JSON
 *   /api/gantt.svg   the current Gantt chart as image/svg+xml, 404 while there is none
 * Every other path is 404. Nothing is cached (`Cache-Control: no-store`): the page polls for live state.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from './page.js';
import type { StatusSource } from './status.js';

export interface StatusHttpServer {
  server: http.Server;
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:8080/ (a wildcard host is shown as loopback). */
  url: string;
  /** Stops listening and drops open connections (the page's keep-alive polls would hold close() up). */
  close(): Promise<void>;
}

const ROUTES = new Set(['/', '/api/status', '/api/gantt.svg']);

// The Gantt SVG is our own renderer's output (no scripts, escaped text); the policy keeps it inert even
// when opened directly rather than through <img>.
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'";

interface Reply {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

function text(status: number, body: string, headers?: Record<string, string>): Reply {
  return { status, type: 'text/plain; charset=utf-8', body: body + '\n', headers };
}

function route(source: StatusSource, method: string, path: string): Reply {
  if (!ROUTES.has(path)) return text(404, `not found: ${path}`);
  if (method !== 'GET' && method !== 'HEAD') {
    return text(405, `method ${method} not allowed`, { Allow: 'GET, HEAD' });
  }
  switch (path) {
    case '/':
      return {
        status: 200,
        type: 'text/html; charset=utf-8',
        body: STATUS_PAGE_HTML,
        headers: { 'Content-Security-Policy': STATUS_PAGE_CSP },
      };
    case '/api/status':
      return { status: 200, type: 'application/json; charset=utf-8', body: JSON.stringify(source.status()) };
    default: {
      const svg = source.ganttSvg();
      if (svg === undefined) return text(404, 'no Gantt chart yet');
      return {
        status: 200,
        type: 'image/svg+xml; charset=utf-8',
        body: svg,
        headers: { 'Content-Security-Policy': SVG_CSP },
      };
    }
  }
}

function handle(source: StatusSource, req: http.IncomingMessage, res: http.ServerResponse): void {
  const method = req.method ?? 'GET';
  let reply: Reply;
  try {
    // Only the path matters; the page adds a query string to the Gantt URL to bust image caches.
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    reply = route(source, method, path);
  } catch (err) {
    // A failing source must not take the service down: report it and keep serving.
    reply = text(500, `status unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, {
    'Content-Type': reply.type,
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    ...reply.headers,
  });
  res.end(method === 'HEAD' ? undefined : body);
}

function urlOf(address: AddressInfo): string {
  // A wildcard address is not something to type into a browser: show the loopback of its family.
  let host = address.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::') host = '::1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/`;
}

/** Starts the status page's HTTP server; port 0 picks a free port (see `url`). */
export function startStatusHttpServer(
  source: StatusSource,
  listen: { host: string; port: number },
): Promise<StatusHttpServer> {
  const server = http.createServer((req, res) => handle(source, req, res));
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(listen.port, listen.host, () => {
      server.off('error', onError);
      const url = urlOf(server.address() as AddressInfo);
      let closing: Promise<void> | undefined;
      const close = (): Promise<void> => {
        closing ??= new Promise<void>((done, fail) => {
          server.close((err) => (err ? fail(err) : done()));
          server.closeAllConnections();
        });
        return closing;
      };
      resolve({ server, url, close });
    });
  });
}
