/**
 * Live capture against tcpdump, in two network namespaces joined by a veth
 * pair (198.18.0.0/24, 2001:db8::/64): traffic from curl/nginx, dig/dnsmasq,
 * ping, nmap and hping3, each bounded in count and time. wirewatch and
 * tcpdump capture the same interface at the same time and must agree.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeAvailable } from '../../src/capture/native.js';
import { need, needRoot, needTool, ROOT } from '../helpers/env.js';
import { B4, B6, collect, NetnsPair, waitForOutput } from './netns.js';
import { parsePcap } from '../bpf/pcap-records.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const TOOLS = ['tcpdump', 'tshark', 'editcap', 'nginx', 'dnsmasq', 'curl', 'dig', 'nmap', 'hping3', 'ping'];
let net: NetnsPair | null = null;
let ready = false;

before(() => {
  if (process.getuid?.() !== 0 || !nativeAvailable() || TOOLS.some((t) => execFileSync('sh', ['-c', `command -v ${t} || true`]).length === 0)) return;
  net = new NetnsPair();
  net.startNginx();
  net.startDnsmasq();
  ready = true;
});

after(() => net?.destroy());

function prerequisites(t: import('node:test').TestContext): boolean {
  if (!needRoot(t)) return false;
  for (const tool of TOOLS) if (!needTool(t, tool)) return false;
  if (!need(t, nativeAvailable(), 'needs the libpcap binding (npm rebuild)')) return false;
  return need(t, ready && net !== null, 'network namespaces could not be created');
}

/** Mixed real traffic from `a` to `b`, every tool bounded in count and time. */
function traffic(n: NetnsPair): void {
  for (let i = 0; i < 3; i++) n.run(n.a, ['curl', '-s', '-o', '/dev/null', '--max-time', '5', `http://${B4}/`]);
  n.run(n.a, ['curl', '-s', '-o', '/dev/null', '--max-time', '5', `http://${B4}/big.bin`]);
  for (let i = 0; i < 2; i++) n.run(n.a, ['curl', '-s', '-o', '/dev/null', '--max-time', '5', `http://[${B6}]/`]);
  for (const type of ['A', 'AAAA', 'TXT']) n.run(n.a, ['dig', '+time=2', '+tries=1', `@${B4}`, 'example.test', type]);
  n.run(n.a, ['ping', '-c', '3', '-i', '0.05', '-W', '1', B4]);
  n.run(n.a, ['ping', '-6', '-c', '3', '-i', '0.05', '-W', '1', B6]);
  n.run(n.a, ['nmap', '-n', '-Pn', '-sS', '--max-retries', '0', '--host-timeout', '10s', '-p', '20-100', B4], 20000);
  n.run(n.a, ['hping3', '-q', '-S', '-p', '80', '-c', '20', '-i', 'u5000', B4], 10000);
  n.run(n.a, ['hping3', '-q', '--udp', '-p', '9999', '-c', '10', '-i', 'u5000', B4], 10000);
}

interface Fields {
  time: string;
  len: string;
  caplen: string;
  rest: string[];
}

const TSHARK_FIELDS = ['frame.time_epoch', 'frame.len', 'frame.cap_len', 'eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'udp.srcport', 'udp.dstport', 'frame.protocols'];

function tsharkFields(file: string): Fields[] {
  const args = ['-r', file, '-T', 'fields', '-E', 'occurrence=f', '-o', 'tcp.desegment_tcp_streams:FALSE'];
  for (const f of TSHARK_FIELDS) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l !== '').map((l) => {
    const c = l.split('\t');
    // µs precision: tcpdump writes microsecond pcap by default.
    const [s, frac = ''] = c[0]!.split('.');
    return { time: `${s}.${frac.padEnd(9, '0').slice(0, 6)}`, len: c[1]!, caplen: c[2]!, rest: c.slice(3) };
  });
}

interface JsonPacket {
  n: number;
  ts: string;
  len: number;
  caplen: number;
  eth?: { src: string; dst: string };
  ip?: { version: number; src: string; dst: string };
  tcp?: { sport: number; dport: number; flags: number };
  udp?: { sport: number; dport: number };
}

function isoToEpochMicros(ts: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  assert.ok(m, `bad ts ${ts}`);
  const secs = Date.parse(`${m[1]}Z`) / 1000;
  return `${secs}.${(m[2] ?? '').padEnd(9, '0').slice(0, 6)}`;
}

/** The decoded fields of our JSON line, in TSHARK_FIELDS order (empty where absent). */
function jsonFields(p: JsonPacket): Fields {
  const v4 = p.ip?.version === 4;
  const v6 = p.ip?.version === 6;
  const s = (x: number | string | undefined): string => (x === undefined ? '' : String(x));
  return {
    time: isoToEpochMicros(p.ts),
    len: String(p.len),
    caplen: String(p.caplen),
    rest: [
      s(p.eth?.src), s(p.eth?.dst), v4 ? s(p.ip?.src) : '', v4 ? s(p.ip?.dst) : '', v6 ? s(p.ip?.src) : '', v6 ? s(p.ip?.dst) : '',
      s(p.tcp?.sport), s(p.tcp?.dport), p.tcp ? `0x${p.tcp.flags.toString(16).padStart(4, '0')}` : '', s(p.udp?.sport), s(p.udp?.dport),
    ],
  };
}

const START_MARK = 'wwlive-start-mark';
const END_MARK = 'wwlive-end-mark';

/** A UDP packet carrying `mark` in its payload, to cut both captures to the same window. */
function sendMarker(n: NetnsPair, mark: string): void {
  n.run(n.a, ['hping3', '-q', '--udp', '-p', '7', '-c', '1', '-e', mark, B4], 5000);
}

function hasMark(data: Uint8Array, mark: string): boolean {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).includes(mark);
}

/** [first, last] 0-based indexes of the frames from the start marker to the end marker, inclusive. */
function markedWindow(frames: readonly { data: Uint8Array }[]): [number, number] {
  const first = frames.findIndex((f) => hasMark(f.data, START_MARK));
  let last = -1;
  frames.forEach((f, i) => {
    if (hasMark(f.data, END_MARK)) last = i;
  });
  assert.ok(first >= 0 && last > first, `markers not found (start ${first}, end ${last} of ${frames.length})`);
  return [first, last];
}

/** Our pcapng output as classic pcap records (editcap converts; tcpdump's own reader would do too). */
function readOurs(file: string): ReturnType<typeof parsePcap> {
  return parsePcap(execFileSync('editcap', ['-F', 'pcap', file, '-'], { maxBuffer: 1 << 28 }));
}

type Frame = { capLen: number; origLen: number; data: Uint8Array };

/** Frames that carry the same record: lengths and every byte. */
function sameFrame(a: Frame, b: Frame): boolean {
  return a.capLen === b.capLen && a.origLen === b.origLen && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;
}

/** How far apart the same packet may sit in two captures' windows (see pairFrames). */
const MAX_REORDER = 8;

/**
 * Pairs each frame of their window (count frames from r0) with the same frame
 * in ours (from o0): the nearest unused one with identical bytes, at most
 * MAX_REORDER places away. Two packet sockets on one link (ours and
 * tcpdump's) can see two packets sent within microseconds from different CPUs
 * (an ACK and a segmentation-offload super-packet, say) in opposite orders;
 * every packet must still be present exactly once. Returns our index per
 * their index; fails naming the first packet with no twin.
 */
function pairFrames(ours: readonly Frame[], o0: number, theirs: readonly Frame[], r0: number, count: number, what: string): number[] {
  const used = new Set<number>();
  const map: number[] = [];
  for (let i = 0; i < count; i++) {
    const b = theirs[r0 + i]!;
    let found = -1;
    for (let d = 0; d <= MAX_REORDER && found < 0; d++) {
      for (const j of d === 0 ? [i] : [i - d, i + d]) {
        if (j >= 0 && j < count && !used.has(j) && sameFrame(ours[o0 + j]!, b)) {
          found = j;
          break;
        }
      }
    }
    assert.ok(found >= 0, `${what} ${i + 1} (${b.capLen} bytes): no identical frame within ${MAX_REORDER} places in ours`);
    used.add(found);
    map.push(o0 + found);
  }
  return map;
}

/** Separate packet sockets may stamp a packet that crossed namespaces a few µs apart. */
const TS_TOLERANCE_US = 20_000;

function sameTime(a: string, b: string): boolean {
  const [as, af] = a.split('.');
  const [bs, bf] = b.split('.');
  return Math.abs((Number(as) - Number(bs)) * 1e6 + Number(af) - Number(bf)) <= TS_TOLERANCE_US;
}

async function startTcpdump(n: NetnsPair, file: string): Promise<ReturnType<NetnsPair['spawn']>> {
  const td = n.spawn(n.a, ['tcpdump', '-i', n.vethA, '-U', '-w', file]);
  await waitForOutput(td, /listening on/);
  return td;
}

function startWirewatch(n: NetnsPair, args: string[]): ReturnType<NetnsPair['spawn']> {
  return n.spawn(n.a, [process.execPath, CLI, 'capture', '-i', n.vethA, ...args]);
}

async function stop(child: ReturnType<NetnsPair['spawn']>, done: Promise<unknown>): Promise<void> {
  await new Promise((r) => setTimeout(r, 300)); // let the last kernel block reach both sockets
  child.kill('SIGINT');
  await done;
}

/** Resolves once `file` holds `mark` (both writers flush within 500 ms), so a busy machine cannot cut the window short. */
async function waitForMark(file: string, mark: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (existsSync(file) && readFileSync(file).includes(mark)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${file} never received the marker ${mark} within ${deadlineMs} ms`);
}

/**
 * Runs wirewatch (with `args`, writing `out`) and tcpdump (writing `ref`) side
 * by side on the lab link while the marked test traffic flows; returns
 * wirewatch's result once both files hold the end marker.
 */
async function captureBesideTcpdump(n: NetnsPair, ref: string, out: string, args: string[]): Promise<Awaited<ReturnType<typeof collect>>> {
  const td = await startTcpdump(n, ref);
  const tdDone = collect(td);
  const ww = startWirewatch(n, [...args, '-w', out]);
  const wwDone = collect(ww);
  await waitForOutput(ww, /capturing on/);
  sendMarker(n, START_MARK);
  traffic(n);
  sendMarker(n, END_MARK);
  await waitForMark(ref, END_MARK);
  await waitForMark(out, END_MARK);
  await stop(ww, wwDone);
  await stop(td, tdDone);
  return wwDone;
}

function summaryOf(stderr: string): { seen: number; decoded: number; kernel: number; iface: number } {
  const m = /capture \S+: ([\d,]+) packets seen, ([\d,]+) decoded.*?, ([\d,]+) dropped by kernel, ([\d,]+) dropped by interface/.exec(stderr);
  assert.ok(m, `no capture summary in: ${stderr}`);
  const num = (x: string): number => Number(x.replace(/,/g, ''));
  return { seen: num(m[1]!), decoded: num(m[2]!), kernel: num(m[3]!), iface: num(m[4]!) };
}

test('capture sees the same packets as tcpdump: count, bytes, decoded fields; -w reads back identically in tshark', async (t) => {
  if (!prerequisites(t)) return;
  const n = net!;
  await n.waitForServers();
  const ref = join(n.dir, 'ref.pcap');
  const out = join(n.dir, 'out.pcapng');
  const res = await captureBesideTcpdump(n, ref, out, ['--format', 'json']);
  assert.equal(res.code, 0, res.stderr);

  const lines = res.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as JsonPacket);
  const oursPcap = readOurs(out);
  const refPcap = parsePcap(readFileSync(ref));
  // Everything we printed is in our -w file, in the same order, and the summary counts it.
  assert.equal(lines.length, oursPcap.frames.length);
  assert.equal(summaryOf(res.stderr).seen, lines.length);
  assert.equal(summaryOf(res.stderr).kernel, 0);
  // Compare the window between the markers (link chatter before/after may reach only one of the two).
  const [o0, o1] = markedWindow(oursPcap.frames);
  const [r0, r1] = markedWindow(refPcap.frames);
  t.diagnostic(`tcpdump ${r1 - r0 + 1} packets between the markers, wirewatch ${o1 - o0 + 1}`);
  assert.ok(r1 - r0 > 150, `too little traffic captured (${r1 - r0 + 1})`);
  assert.equal(o1 - o0, r1 - r0, 'packet count');
  const theirFields = tsharkFields(ref).slice(r0, r1 + 1);
  const ourFileFields = tsharkFields(out).slice(o0, o1 + 1);
  const twin = pairFrames(oursPcap.frames, o0, refPcap.frames, r0, r1 - r0 + 1, 'bytes of packet');
  for (let i = 0; i <= r1 - r0; i++) {
    const o = twin[i]!;
    const th = theirFields[i]!;
    const js = jsonFields(lines[o]!);
    // In ICMP errors tshark's first tcp/udp port fields come from the quoted header; ours are the outer packet's (none).
    const quoted = /icmp(v6)?:ipv?6?:/.test(th.rest[11] ?? '');
    const thRest = quoted ? [...th.rest.slice(0, 6), '', '', '', '', ''] : th.rest.slice(0, 11);
    assert.ok(sameTime(js.time, th.time), `time of packet ${i + 1}: ${js.time} vs ${th.time}`);
    assert.deepEqual([js.len, js.caplen, js.rest], [th.len, th.caplen, thRest], `decoded fields of packet ${i + 1}`);
    // tshark dissects our -w file exactly like tcpdump's (times within the tolerance).
    const of = ourFileFields[o - o0]!;
    assert.ok(sameTime(of.time, th.time));
    assert.deepEqual([of.len, of.caplen, of.rest], [th.len, th.caplen, th.rest], `tshark on -w file, packet ${i + 1}`);
    // and our JSON time is exactly the -w file's.
    assert.equal(js.time, of.time);
  }
});

test('-c N stops at exactly N packets, also within a batch; --user drops root after opening', async (t) => {
  if (!prerequisites(t)) return;
  const n = net!;
  const out = join(n.dir, 'count.pcapng');
  // Default (non-immediate) mode: the kernel hands over blocks of many packets at once.
  const ww = startWirewatch(n, ['-c', '25', '--format', 'json', '-w', out, '--user', 'nobody']);
  const done = collect(ww);
  await waitForOutput(ww, /capturing on/);
  n.run(n.a, ['hping3', '-q', '-S', '-p', '80', '-c', '120', '-i', 'u1000', B4], 10000);
  const timer = setTimeout(() => ww.kill('SIGINT'), 10000);
  const res = await done;
  clearTimeout(timer);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /capturing as nobody/);
  const lines = res.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 25);
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as JsonPacket).n), Array.from({ length: 25 }, (_, i) => i + 1));
  assert.equal(tsharkFields(out).length, 25);
  assert.equal(summaryOf(res.stderr).seen, 25);
  assert.doesNotMatch(res.stderr, /interrupted/);
});

test('-f selects exactly what tcpdump -r selects with the same expression', async (t) => {
  if (!prerequisites(t)) return;
  const n = net!;
  const expr = `tcp port 80 or icmp6 or (udp and dst host ${B4})`;
  const ref = join(n.dir, 'ref-f.pcap');
  const out = join(n.dir, 'filtered.pcapng');
  const res = await captureBesideTcpdump(n, ref, out, ['-f', expr, '-q']);
  assert.equal(res.code, 0, res.stderr);
  const selected = parsePcap(execFileSync('tcpdump', ['-r', ref, '-w', '-', expr], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }));
  const unfiltered = parsePcap(readFileSync(ref));
  const oursPcap = readOurs(out);
  assert.equal(summaryOf(res.stderr).seen, oursPcap.frames.length);
  const [o0, o1] = markedWindow(oursPcap.frames);
  const [s0, s1] = markedWindow(selected.frames);
  t.diagnostic(`tcpdump: ${unfiltered.frames.length} packets, ${s1 - s0 + 1} match between the markers; wirewatch wrote ${o1 - o0 + 1}`);
  assert.ok(s1 - s0 > 50 && s1 - s0 + 1 < unfiltered.frames.length);
  assert.equal(o1 - o0, s1 - s0);
  pairFrames(oursPcap.frames, o0, selected.frames, s0, s1 - s0 + 1, 'packet');
});

test('SIGINT mid-capture flushes every output and reports drops in the summary', async (t) => {
  if (!prerequisites(t)) return;
  const n = net!;
  const out = join(n.dir, 'sigint.pcapng');
  const ww = startWirewatch(n, ['--format', 'json', '-w', out]);
  const done = collect(ww);
  await waitForOutput(ww, /capturing on/);
  const flood = n.spawn(n.a, ['hping3', '-q', '-S', '-p', '80', '-c', '20000', '-i', 'u50', B4]);
  const floodDone = collect(flood);
  await new Promise((r) => setTimeout(r, 400));
  ww.kill('SIGINT'); // while the flood is still running
  const res = await done;
  flood.kill('SIGINT');
  await floodDone;
  assert.equal(res.code, 0, res.stderr);
  const sum = summaryOf(res.stderr);
  assert.match(res.stderr, /\(interrupted\)/);
  const lines = res.stdout.split('\n').filter((l) => l !== '');
  for (const l of lines) JSON.parse(l); // every line complete
  t.diagnostic(`${sum.seen} packets before SIGINT, ${sum.kernel} dropped by kernel, ${sum.iface} by interface`);
  assert.ok(sum.seen > 100, `only ${sum.seen} packets seen`);
  assert.equal(lines.length, sum.seen);
  assert.equal(tsharkFields(out).length, sum.seen);
});

test('Ctrl-C right after "capturing on" stops cleanly: the announcement comes once the signal handlers are in place', async (t) => {
  if (!prerequisites(t)) return;
  const n = net!;
  const out = join(n.dir, 'sigint-early.pcapng');
  const ww = startWirewatch(n, ['-q', '-w', out]);
  const done = collect(ww);
  await waitForOutput(ww, /capturing on/);
  ww.kill('SIGINT'); // at once: before the fix, the stages were still being set up and the default action killed the process
  const res = await done;
  assert.equal(res.code, 0, `exit ${res.code} (null: killed by the signal): ${res.stderr}`);
  assert.match(res.stderr, /\(interrupted\)/);
  // The capture file was flushed and closed: tshark reads it (it throws otherwise) and finds every packet counted.
  assert.equal(tsharkFields(out).length, summaryOf(res.stderr).seen);
});

test('permission denied names the fixes (root or setcap on node)', (t) => {
  if (!prerequisites(t)) return;
  const n = net!;
  let stderr = '';
  try {
    execFileSync('ip', ['netns', 'exec', n.a, 'setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all', process.execPath, CLI, 'capture', '-i', n.vethA, '-c', '1'], {
      encoding: 'utf8', timeout: 20000, stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.fail('capture as nobody should fail');
  } catch (e) {
    const err = e as { status?: number; stderr?: string };
    stderr = err.stderr ?? '';
    assert.equal(err.status, 1, stderr);
  }
  assert.match(stderr, /run as root/);
  assert.match(stderr, /setcap cap_net_raw,cap_net_admin\+eip \$\(readlink -f \$\(which node\)\)/);
});
