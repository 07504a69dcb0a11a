/**
 * Two network namespaces joined by a veth pair, for live-capture tests and
 * the capture benchmark: `a` (198.18.0.1, 2001:db8::1) is where we capture,
 * `b` (198.18.0.2, 2001:db8::2) runs the servers. Names carry the prefix
 * `wwlive` and our pid, so concurrent runs do not collide and leftovers of
 * dead runs can be removed safely.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PREFIX = 'wwlive';
export const A4 = '198.18.0.1';
export const B4 = '198.18.0.2';
export const A6 = '2001:db8::1';
export const B6 = '2001:db8::2';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes namespaces with our prefix whose creating process is gone. */
export function removeLeftovers(): void {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of out.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${PREFIX}(\\d+)[ab]\\d*$`).exec(name);
    if (m && !pidAlive(Number(m[1]))) spawnSync('ip', ['netns', 'del', name]);
  }
}

let serial = 0;

export class NetnsPair {
  readonly a: string;
  readonly b: string;
  readonly vethA: string;
  readonly vethB: string;
  readonly dir: string;
  private readonly children: ChildProcess[] = [];

  constructor() {
    removeLeftovers();
    serial++;
    this.a = `${PREFIX}${process.pid}a${serial}`;
    this.b = `${PREFIX}${process.pid}b${serial}`;
    this.vethA = `wwl${process.pid % 100000}a${serial}`.slice(0, 15);
    this.vethB = `wwl${process.pid % 100000}b${serial}`.slice(0, 15);
    this.dir = mkdtempSync(join(tmpdir(), 'wwlive-'));
    try {
      ip('netns', 'add', this.a);
      ip('netns', 'add', this.b);
      ip('link', 'add', this.vethA, 'netns', this.a, 'type', 'veth', 'peer', 'name', this.vethB, 'netns', this.b);
      for (const [ns, dev, v4, v6] of [[this.a, this.vethA, A4, A6], [this.b, this.vethB, B4, B6]] as const) {
        // No router solicitations / DAD chatter: both captures must see a quiet link.
        this.exec(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.accept_ra=0', 'net.ipv6.conf.default.accept_ra=0']);
        this.exec(ns, ['sysctl', '-qw', `net.ipv6.conf.${dev}.router_solicitations=0`]);
        this.exec(ns, ['ip', 'addr', 'add', `${v4}/24`, 'dev', dev]);
        this.exec(ns, ['ip', 'addr', 'add', `${v6}/64`, 'dev', dev, 'nodad']);
        this.exec(ns, ['ip', 'link', 'set', 'lo', 'up']);
        this.exec(ns, ['ip', 'link', 'set', dev, 'up']);
      }
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /** Runs a command inside a namespace, synchronously; throws on failure. */
  exec(ns: string, argv: string[], timeoutMs = 30000): string {
    return execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Same, never throws: returns the exit status (tools like nmap/hping3 exit non-zero on closed ports). */
  run(ns: string, argv: string[], timeoutMs = 30000): number {
    const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { timeout: timeoutMs, stdio: 'ignore' });
    return r.status ?? -1;
  }

  /** Starts a long-running process inside a namespace; it is killed by destroy(). */
  spawn(ns: string, argv: string[], quiet = false): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: quiet ? 'ignore' : ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return child;
  }

  /** nginx serving a small page and a 200 KB file on both addresses of `b`. */
  startNginx(): void {
    const root = join(this.dir, 'www');
    spawnSync('mkdir', ['-p', root]);
    writeFileSync(join(root, 'index.html'), '<html><body>wirewatch live test</body></html>\n');
    writeFileSync(join(root, 'big.bin'), Buffer.alloc(200_000, 0x61));
    const conf = join(this.dir, 'nginx.conf');
    writeFileSync(
      conf,
      `daemon off; pid ${this.dir}/nginx.pid; error_log ${this.dir}/nginx.err; worker_processes 1;
events { worker_connections 64; }
http { access_log off; client_body_temp_path ${this.dir}; proxy_temp_path ${this.dir}; fastcgi_temp_path ${this.dir};
  uwsgi_temp_path ${this.dir}; scgi_temp_path ${this.dir};
  server { listen ${B4}:80; listen [${B6}]:80; root ${root}; } }\n`,
    );
    this.spawn(this.b, ['nginx', '-c', conf], true);
  }

  startDnsmasq(): void {
    this.spawn(this.b, [
      'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--bind-interfaces', `--listen-address=${B4}`,
      '--address=/example.test/198.18.0.99', '--address=/example.test/2001:db8::99', `--pid-file=${this.dir}/dnsmasq.pid`, '--user=root',
    ], true);
  }

  /** Waits until `b` accepts TCP on port 80 and answers DNS (bounded). */
  async waitForServers(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const http = this.run(this.a, ['curl', '-s', '-o', '/dev/null', '--max-time', '1', `http://${B4}/`], 3000) === 0;
      const dns = this.run(this.a, ['dig', '+time=1', '+tries=1', `@${B4}`, 'example.test'], 3000) === 0;
      if (http && dns) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('nginx/dnsmasq in the test namespace did not come up');
  }

  destroy(): void {
    for (const c of this.children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
    // Servers fork (nginx workers): kill everything still living in our namespaces.
    for (const ns of [this.a, this.b]) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
      for (const p of pids.split('\n').filter((x) => /^\d+$/.test(x))) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    spawnSync('ip', ['netns', 'del', this.a]);
    spawnSync('ip', ['netns', 'del', this.b]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves with the first stderr/stdout text matching `re` from `child` (bounded by timeoutMs). */
export function waitForOutput(child: ChildProcess, re: RegExp, timeoutMs = 15000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${seen.slice(-500)}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      seen += d.toString('utf8');
      if (re.test(seen)) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!re.test(seen)) reject(new Error(`exited (${code}) before ${re}: ${seen.slice(-500)}`));
    });
  });
}

/** Collects a child's stdout and stderr and resolves with them and its exit code. */
export function collect(child: ChildProcess): Promise<{ stdout: string; stderr: string; code: number | null }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ stdout, stderr, code })));
}
