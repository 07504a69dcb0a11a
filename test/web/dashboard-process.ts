/**
 * Starts the built CLI with a dashboard (`read ... --web 0` or `serve --port 0`)
 * as a child process and waits for the line on stderr that names its URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from '../cli/run-cli.js';
import { ROOT } from '../helpers/env.js';

export interface DashboardProcess {
  child: ChildProcess;
  /** The page URL as printed (with ?token= when the server requires one). */
  url: string;
  port: number;
  token: string | null;
  stderr(): string;
  /** Stops the process with SIGINT and resolves with its exit code. */
  stop(): Promise<number | null>;
}

const URL_LINE = /dashboard at (http:\/\/\S+) \(port (\d+)\)/;

export function startDashboard(args: string[]): Promise<DashboardProcess> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      err += d;
      const m = URL_LINE.exec(err);
      if (m !== null && !resolvedOnce) {
        resolvedOnce = true;
        const url = m[1]!;
        const token = new URL(url).searchParams.get('token');
        resolve({
          child,
          url,
          port: Number(m[2]),
          token,
          stderr: () => err,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
            return exited;
          },
        });
      }
    });
    let resolvedOnce = false;
    void exited.then((code) => {
      if (!resolvedOnce) reject(new Error(`wirewatch ${args.join(' ')} exited (${code}) before starting the dashboard:\n${err}`));
    });
  });
}
