/**
 * The dashboard's HTTP server (node:http): the bundled page from a fixed
 * in-memory map, `/metrics` (Prometheus text) when a run has metrics, and a
 * WebSocket at `/ws` that pushes the source's updates about once a second
 * and alerts as they come. Binds 127.0.0.1 by default; any other address
 * needs a token (see auth.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import type { Metrics } from '../monitor/metrics.js';
import { loadAssets, type Asset } from './assets.js';
import { authorize, isLoopbackHost, tokenCookie } from './auth.js';
import type { ServerMessage } from './protocol.js';
import type { DashboardSource } from './source.js';

export interface DashboardServerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Required unless `host` is loopback; null = open (loopback only). */
  token: string | null;
  source: DashboardSource;
  metrics?: Metrics | null;
  /** Milliseconds between updates (default 1000). */
  intervalMs?: number;
  assets?: ReadonlyMap<string, Asset>;
}

export interface DashboardServer {
  readonly port: number;
  /** The page's URL (with the token when there is one). */
  readonly url: string;
  close(): Promise<void>;
}

/** Bound on connected pages, and on what one slow page may have queued before it is skipped. */
const MAX_CLIENTS = 64;
const MAX_BUFFERED = 8 * 1024 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startDashboardServer(opts: DashboardServerOptions): Promise<DashboardServer> {
  const { host, source } = opts;
  if (opts.token === null && !isLoopbackHost(host)) throw new Error(`binding the dashboard to ${host} needs a token (--web-token)`);
  const token = opts.token;
  const assets = opts.assets ?? loadAssets();
  const metrics = opts.metrics ?? null;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  const send = (ws: WebSocket, msg: ServerMessage | string): void => {
    if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > MAX_BUFFERED) return;
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  };
  const broadcast = (msg: ServerMessage): void => {
    if (wss.clients.size === 0) return;
    const text = JSON.stringify(msg);
    for (const ws of wss.clients) send(ws, text);
  };
  source.onMessage(broadcast);

  const deny = (res: ServerResponse, code: number, text: string): void => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end(`${text}\n`);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed');
    const auth = authorize(req, url, token);
    if (auth === 'denied') return deny(res, 401, 'unauthorized: add ?token=... to the URL or an Authorization: Bearer header');
    const headers: Record<string, string> = { ...SECURITY_HEADERS };
    if (auth === 'ok-set-cookie' && token !== null) headers['set-cookie'] = tokenCookie(token);
    if (url.pathname === '/metrics') {
      if (metrics === null) return deny(res, 404, 'no metrics: this dashboard shows a saved database');
      metrics.text().then(
        (body) => res.writeHead(200, { ...headers, 'content-type': metrics.contentType }).end(body),
        (e: Error) => deny(res, 500, e.message),
      );
      return;
    }
    const asset = assets.get(url.pathname);
    if (asset === undefined) return deny(res, 404, 'not found');
    res.writeHead(200, { ...headers, 'content-type': asset.type, 'content-length': String(asset.body.length) });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reject = (code: number, text: string): void => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return reject(404, 'Not Found');
    // A page from another site must not read the stream with the user's cookie.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) return reject(403, 'Forbidden');
    if (authorize(req, url, token) === 'denied') return reject(401, 'Unauthorized');
    if (wss.clients.size >= MAX_CLIENTS) return reject(503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      for (const m of source.initial()) send(ws, m);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const timer = setInterval(() => {
    const msg = source.tick();
    if (msg !== null) broadcast(msg);
  }, opts.intervalMs ?? 1000);
  timer.unref();

  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  const url = `http://${hostForUrl(host)}:${port}/${token !== null ? `?token=${encodeURIComponent(token)}` : ''}`;
  let closed = false;
  return {
    port,
    url,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      const last = source.tick();
      if (last !== null) broadcast(last);
      source.close();
      broadcast({ type: 'end' });
      for (const ws of wss.clients) ws.close(1001, 'run ended');
      // Give pages a moment to receive the last update, then drop whoever has not answered the close.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 300);
        t.unref();
      });
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      wss.close();
    },
  };
}
