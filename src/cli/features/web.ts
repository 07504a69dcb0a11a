/**
 * The web dashboard of `read` and `capture`: `--web [PORT]` serves the live
 * page, its WebSocket stream and `/metrics` on one server (127.0.0.1 unless
 * `--web-host` says otherwise; beyond loopback a token is required and, when
 * not given, generated and printed on stderr).
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Stage } from '../../pipeline.js';
import { LiveFeed } from '../../web/live-feed.js';
import { startDashboardServer } from '../../web/server.js';
import { generateToken, isLoopbackHost } from '../../web/auth.js';
import { UsageError, type Feature, type RunContext } from '../context.js';
import { currentMonitor } from './monitor.js';

export const DEFAULT_WEB_PORT = 8480;

export function parseWebPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new InvalidArgumentError('expected a TCP port from 0 to 65535 (0 = any free port).');
  return n;
}

export function parseHost(value: string): string {
  const v = value.trim();
  if (v === '' || /[\s/?#@]/.test(v)) throw new InvalidArgumentError('expected an IP address or host name to bind (e.g. 127.0.0.1, 0.0.0.0, ::1).');
  return v;
}

export function parseToken(value: string): string {
  if (value.length < 8 || /[^\x21-\x7e]/.test(value)) throw new InvalidArgumentError('expected at least 8 printable characters without spaces.');
  return value;
}

/** The token a server on `host` must require: the given one, or (beyond loopback) a fresh one the user is told about. */
export function resolveToken(host: string, given: unknown, log: (msg: string) => void): string | null {
  if (typeof given === 'string') return given;
  if (isLoopbackHost(host)) return null;
  const token = generateToken();
  log(`dashboard bound to ${host}: access token generated (pass --web-token to choose one); open the URL below with it`);
  return token;
}

export const webFeature: Feature = {
  name: 'web',
  order: 95,
  addOptions(cmd: Command): void {
    cmd
      .option('--web [port]', `serve the live dashboard (and /metrics) at http://127.0.0.1:PORT/ (default ${DEFAULT_WEB_PORT}, 0 = any free port)`, parseWebPort)
      .option('--web-host <host>', 'address the dashboard binds (anything but loopback requires a token)', parseHost, '127.0.0.1')
      .option('--web-token <token>', 'token the dashboard requires (Authorization: Bearer, or ?token= on the page URL)', parseToken);
  },
  async createStages(ctx: RunContext): Promise<Stage[]> {
    const o = ctx.opts;
    if (o.web === undefined || o.web === false) return [];
    const port = typeof o.web === 'number' ? o.web : DEFAULT_WEB_PORT;
    const host = typeof o.webHost === 'string' ? o.webHost : '127.0.0.1';
    const monitor = currentMonitor;
    if (monitor === null) throw new UsageError('--web needs the monitoring stage, which did not start');
    const feed = new LiveFeed(ctx.mode, monitor.stage, ctx.bus);
    const token = resolveToken(host, o.webToken, ctx.log);
    let server;
    try {
      server = await startDashboardServer({ host, port, token, source: feed, metrics: monitor.metrics });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'EADDRINUSE' ? 'port in use' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.message;
      throw new UsageError(`--web ${port} --web-host ${host}: cannot start the dashboard: ${why}`);
    }
    ctx.log(`dashboard at ${server.url} (port ${server.port})`);
    ctx.onClose(() => server.close());
    return [feed];
  },
};
