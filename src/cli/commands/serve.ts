/**
 * `wirewatch serve --db FILE`: shows a saved history database (alerts, flows,
 * per-minute statistics) in the web dashboard until interrupted. A database
 * that another run is still writing shows new rows as they are committed.
 */
import type { Command } from 'commander';
import { HistoryFeed } from '../../web/history-feed.js';
import { startDashboardServer } from '../../web/server.js';
import { DEFAULT_WEB_PORT, parseHost, parseToken, parseWebPort, resolveToken } from '../features/web.js';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, type ExitCode } from '../run.js';

const log = (msg: string): void => {
  process.stderr.write(`wirewatch: ${msg}\n`);
};

export function register(program: Command): void {
  program
    .command('serve')
    .description('show a saved history database (--db from a read/capture run) in the web dashboard')
    .requiredOption('--db <file>', 'SQLite history database written by read/capture --db')
    .option('--port <port>', `dashboard port (0 = any free port)`, parseWebPort, DEFAULT_WEB_PORT)
    .option('--web-host <host>', 'address to bind (anything but loopback requires a token)', parseHost, '127.0.0.1')
    .option('--web-token <token>', 'token the dashboard requires (Authorization: Bearer, or ?token= on the page URL)', parseToken)
    .action(async (opts: Record<string, unknown>) => {
      process.exitCode = await serveCommand(opts);
    });
}

export async function serveCommand(opts: Record<string, unknown>): Promise<ExitCode> {
  const file = String(opts.db);
  const host = typeof opts.webHost === 'string' ? opts.webHost : '127.0.0.1';
  const port = typeof opts.port === 'number' ? opts.port : DEFAULT_WEB_PORT;
  let feed: HistoryFeed;
  try {
    feed = new HistoryFeed(file);
  } catch (e) {
    log(`--db ${(e as Error).message}`);
    return EXIT_USAGE;
  }
  const token = resolveToken(host, opts.webToken, log);
  let server;
  try {
    server = await startDashboardServer({ host, port, token, source: feed });
  } catch (e) {
    feed.close();
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EADDRINUSE' ? 'port in use' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.message;
    log(`--port ${port} --web-host ${host}: cannot start the dashboard: ${why}`);
    return EXIT_ERROR;
  }
  log(`dashboard at ${server.url} (port ${server.port}); Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
  return EXIT_OK;
}
