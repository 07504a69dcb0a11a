/**
 * Live-capture benchmark: packets/s captured without drops on a veth pair
 * fed by tcpreplay, for wirewatch capture (+ decode and the default
 * features), tcpdump -w /dev/null and the npm `cap` package's per-packet
 * callback, in one run, at increasing replay rates.
 *
 *   node dist/bench/capture.js [--file corpus.pcap] [--seconds 1.5] [--rates 50000,100000,...]
 *
 * Needs root, tcpreplay, tcpdump, and `npm ci --prefix bench/peers` for cap.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, NetnsPair, waitForOutput } from '../test/live/netns.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const CAP_PEER = join(ROOT, 'dist', 'bench', 'capture-cap-peer.js');

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}

const FILE = resolve(ROOT, '..', 'shared', 'corpus', arg('--file', 'suricata-verify/dhcp-request-flood.pcap'));
const SECONDS = Number(arg('--seconds', '1.5'));
const RATES = arg('--rates', '25000,50000,100000,200000,400000,0').split(',').map(Number);

interface Contestant {
  name: string;
  start(net: NetnsPair): Promise<() => Promise<number>>;
}

/** CPU seconds (user + system) a process used so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds the last stopped contestant spent after it was ready (startup excluded). */
let lastCpu = 0;
let readyCpu = 0;

/** Marks the contestant ready: CPU spent loading and opening is not counted. */
function ready(child: ReturnType<NetnsPair['spawn']>): void {
  readyCpu = cpuSeconds(child.pid);
}

async function stopAfterDrain(child: ReturnType<NetnsPair['spawn']>, done: Promise<{ stdout: string; stderr: string }>): Promise<{ stdout: string; stderr: string }> {
  // tcpdump and cap use libpcap's 1 s block timeout: wait until the last block is handed over.
  await new Promise((r) => setTimeout(r, 1500));
  lastCpu = cpuSeconds(child.pid) - readyCpu;
  child.kill('SIGINT');
  return done;
}

const contestants: Contestant[] = [
  {
    name: 'tcpdump -w /dev/null',
    async start(net) {
      const c = net.spawn(net.a, ['tcpdump', '-i', net.vethA, '-w', '/dev/null']);
      const done = collect(c);
      await waitForOutput(c, /listening on/);
      ready(c);
      return async () => {
        const r = await stopAfterDrain(c, done);
        return Number(/(\d+) packets captured/.exec(r.stderr)?.[1] ?? -1);
      };
    },
  },
  {
    name: 'wirewatch capture -q (decode + default features)',
    async start(net) {
      const c = net.spawn(net.a, [process.execPath, CLI, 'capture', '-i', net.vethA, '-q', '--buffer-size', '32']);
      const done = collect(c);
      await waitForOutput(c, /capturing on/);
      ready(c);
      return async () => {
        const r = await stopAfterDrain(c, done);
        return Number((/([\d,]+) packets seen/.exec(r.stderr)?.[1] ?? '-1').replace(/,/g, ''));
      };
    },
  },
  {
    name: 'npm cap (per-packet callback + its decoders)',
    async start(net) {
      const c = net.spawn(net.a, [process.execPath, CAP_PEER, net.vethA]);
      const done = collect(c);
      await waitForOutput(c, /listening/);
      ready(c);
      return async () => {
        const r = await stopAfterDrain(c, done);
        return (JSON.parse(r.stdout.trim() || '{"packets":-1}') as { packets: number }).packets;
      };
    },
  },
];

function replay(net: NetnsPair, rate: number, count: number): { sent: number; pps: number } {
  const speed = rate > 0 ? [`--pps=${rate}`] : ['--topspeed'];
  const out = execFileSync('ip', ['netns', 'exec', net.b, 'tcpreplay', '-K', '-i', net.vethB, ...speed, `--limit=${count}`, '--loop=1000', FILE], {
    encoding: 'utf8', timeout: 120000, stdio: ['ignore', 'pipe', 'ignore'],
  });
  const sent = Number(/Successful packets:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const pps = Number(/Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(out)?.[1] ?? 0);
  return { sent, pps };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces)');
  if (spawnSync('sh', ['-c', 'command -v tcpreplay']).status !== 0) throw new Error('needs tcpreplay');
  if (!existsSync(CAP_PEER) || !existsSync(join(ROOT, 'bench', 'peers', 'node_modules', 'cap'))) {
    throw new Error('needs npm ci --prefix bench/peers (the cap package) and a build');
  }
  const net = new NetnsPair();
  const best = new Map<string, number>();
  const perCpu = new Map<string, number[]>();
  try {
    process.stdout.write(`feed: ${FILE} replayed by tcpreplay for ~${SECONDS}s per level\n`);
    process.stdout.write('| replay rate (requested) | achieved pps | contestant | captured | lost | CPU s | packets per CPU-second |\n|---|---|---|---|---|---|---|\n');
    for (const rate of RATES) {
      const count = Math.round((rate > 0 ? rate : 600000) * SECONDS);
      for (const c of contestants) {
        const finish = await c.start(net);
        const { sent, pps } = replay(net, rate, count);
        const got = await finish();
        const lost = sent - got;
        const capacity = lastCpu > 0 ? Math.round(got / lastCpu) : 0;
        if (lost <= 0) perCpu.set(c.name, [...(perCpu.get(c.name) ?? []), capacity]);
        process.stdout.write(`| ${rate > 0 ? rate : 'topspeed'} | ${Math.round(pps)} | ${c.name} | ${got} / ${sent} | ${lost} | ${lastCpu.toFixed(2)} | ${capacity} |\n`);
        if (lost <= 0 && got > 0) best.set(c.name, Math.max(best.get(c.name) ?? 0, pps));
      }
    }
  } finally {
    net.destroy();
  }
  process.stdout.write('\nhighest replay rate captured without loss (pps):\n');
  for (const c of contestants) process.stdout.write(`  ${c.name}: ${Math.round(best.get(c.name) ?? 0)}\n`);
  process.stdout.write('\nbest packets per CPU-second in lossless runs (capacity when the CPU is the limit):\n');
  for (const c of contestants) process.stdout.write(`  ${c.name}: ${Math.max(0, ...(perCpu.get(c.name) ?? [0]))}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/capture: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
