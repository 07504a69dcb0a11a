/**
 * Detection cost, same file, same run, alternating rounds, best of N and
 * the median of the per-round ratios. One unrecorded warm-up round runs
 * first (so no configuration is timed while the JIT is still cold), and the
 * order within a round flips every round (so neither configuration always
 * inherits the other's garbage or follows it on a busy machine):
 *
 * 1. The full pipeline (decode + flows) with detection off vs on (all default
 *    detectors), on a capture looped so one run lasts about a second.
 * 2. The default detectors with vs without AbuseIPDB look-ups against a local
 *    server that answers after 200 ms. The capture is looped and every
 *    repetition moves its public addresses to fresh public addresses, so the
 *    client keeps asking (and waiting) for the whole run instead of answering
 *    from its cache after the first pass.
 *
 * Packets per second are packets over the CPU time the process spent between
 * the first and the last packet (2 cores are shared with other work, so CPU
 * time is the stable measure); the end-of-input work (flow expiry, waiting
 * for outstanding look-ups) is reported apart. The port-scan and flood
 * detectors and the intel look-ups run in worker threads, so both verdicts
 * take the packet thread's CPU time (bench/thread-cpu.ts) and report the
 * process's beside it.
 *
 * Whole runs one after the other see different loads on a shared machine
 * (rounds scatter by tens of %), so each section also measures the same two
 * configurations interleaved (bench/detect-interleave.ts): both pipelines in
 * lock-step over the capture in memory, CPU time per batch of frames, the
 * event loop's CPU between batches charged to the second side, each round
 * against a control pair of the first configuration twice.
 *
 * Every figure also moves from process to process (V8 optimises each one
 * differently), so all of the above runs in FORKS fresh processes one after
 * the other (bench/forks.ts) and each verdict is the median of the forks'
 * figures; the parent prints the verdicts, then every fork's tables.
 *
 *   node dist/bench/detect.js [capture] [intel-capture] [rounds] [interleaved-rounds]
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fork } from 'node:child_process';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaptureFile } from '../src/capture/open.js';
import type { RawFrame } from '../src/capture/frame.js';
import type { Packet } from '../src/decode/packet.js';
import { buildDetectors } from '../src/detect/build.js';
import { defaultDetectConfig, type DetectConfig } from '../src/detect/config.js';
import { DetectStage } from '../src/detect/stage.js';
import { EventBus } from '../src/events.js';
import { flowOptions } from '../src/flow/options.js';
import { FlowStage } from '../src/flow/stage.js';
import { specialBlockV4 } from '../src/intel/reserved.js';
import { formatIPv4 } from '../src/util/format.js';
import { Pipeline, type Stage } from '../src/pipeline.js';
import { collectGarbage, loopPcap, WORK_DIR } from './harness.js';
import { interleavedCost, median, processCpuMs, type InterleavedSide } from './detect-interleave.js';
import { threadCpuClock } from './thread-cpu.js';
import { acrossForks, FORK_FLAG, FORKS, isFork, reportFigures, runForks } from './forks.js';

const args = process.argv.slice(2).filter((a) => a !== FORK_FLAG);
const file = resolve(args[0] ?? '../shared/datasets/lab/lab-mixed.pcap');
const intelFile = resolve(args[1] ?? '../shared/corpus/nfstream/tor.pcap');
/** Paired rounds per fork. */
const rounds = Number(args[2] ?? 7);
/** Rounds of the interleaved measurement per fork, and frames per batch (about a millisecond of work). */
const interleavedRounds = Number(args[3] ?? 5);
const BATCH = 512;
/** Packets per run: about a second of work for the pipeline with detection on. */
const RUN_PACKETS = 600_000;

/** CPU time of this (the packet) thread, in ms; the process's where the system cannot tell threads apart. */
const packetThreadCpuMs: () => number = threadCpuClock() ?? processCpuMs;

/** First stage of the run: counts packets and takes CPU time (the process's and the packet thread's) at the first packet and at end of input (before any stage's end work). */
class Clock implements Stage {
  readonly name = 'clock';
  n = 0;
  private cpu0: NodeJS.CpuUsage = { user: 0, system: 0 };
  private thread0 = 0;
  private wall0 = 0;
  cpuMs = 0;
  threadCpuMs = 0;
  wallMs = 0;
  atEnd: () => void = () => {};
  onPacket(_p: Packet): void {
    if (this.n++ === 0) {
      this.cpu0 = process.cpuUsage();
      this.thread0 = packetThreadCpuMs();
      this.wall0 = performance.now();
    }
  }
  onEnd(): void {
    const c = process.cpuUsage(this.cpu0);
    this.threadCpuMs = packetThreadCpuMs() - this.thread0;
    this.cpuMs = (c.user + c.system) / 1000;
    this.wallMs = performance.now() - this.wall0;
    this.atEnd();
  }
}

interface Result {
  /** Packets per CPU second (of the process) between the first and the last packet. */
  pps: number;
  /** Packets per CPU second of the packet thread alone (the look-up worker thread and V8's helper threads left out). */
  threadPps: number;
  /** CPU ms of the process's other threads over the same span (look-up worker, GC and compiler helpers). */
  otherCpuMs: number;
  /** Packets per wall-clock second over the same span (shows a stalled packet path, which CPU time would not). */
  wallPps: number;
  packets: number;
  cpuMs: number;
  alerts: number;
  /** Time spent after the last packet (flow expiry, awaiting look-ups). */
  endMs: number;
  /** Detector counters after the last packet. */
  stats: Record<string, number>;
}

async function run(path: string, cfg: DetectConfig | null, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const bus = new EventBus();
  let alerts = 0;
  bus.on('alert', () => alerts++);
  const flows = new FlowStage(flowOptions());
  // As `read` wires it (src/cli/features/flows.ts): a flow record is built only when someone listens to records.
  flows.addSink((r) => bus.emit('flow', r), () => bus.hasListeners('flow'), () => bus.tally('flow'));
  const clock = new Clock();
  const stages: Stage[] = [clock, flows];
  let detect: DetectStage | null = null;
  /** Detector counters when the last packet had passed (before end-of-input draining). */
  let stats: Record<string, number> = {};
  if (cfg !== null) {
    // Built before the source opens: a live tool sets up (cache file, statements, HTTP client) before packets flow.
    detect = new DetectStage(buildDetectors(cfg, { log: () => {}, env, watchLists: false }), { bus, mtu: 1500, suppress: cfg.suppress, log: () => {} });
    await detect.ready();
    stages.push(detect);
    const d = detect;
    clock.atEnd = () => (stats = d.stats());
  }
  const src = await openCaptureFile(path);
  collectGarbage();
  const summary = await new Pipeline(src, stages).run();
  const endMs = summary.wallMs - clock.wallMs;
  await detect?.close();
  return { pps: clock.n / (clock.cpuMs / 1000), threadPps: clock.n / (clock.threadCpuMs / 1000), otherCpuMs: clock.cpuMs - clock.threadCpuMs, wallPps: clock.n / (clock.wallMs / 1000), packets: clock.n, cpuMs: clock.cpuMs, alerts, endMs, stats };
}

/** The stages of one configuration, as `run` builds them, for the interleaved measurement. */
async function side(cfg: DetectConfig | null, env: NodeJS.ProcessEnv = {}): Promise<InterleavedSide> {
  const bus = new EventBus();
  const flows = new FlowStage(flowOptions());
  flows.addSink((r) => bus.emit('flow', r), () => bus.hasListeners('flow'), () => bus.tally('flow'));
  if (cfg === null) return { stages: [flows], close: async () => {} };
  const detect = new DetectStage(buildDetectors(cfg, { log: () => {}, env, watchLists: false }), { bus, mtu: 1500, suppress: cfg.suppress, log: () => {} });
  await detect.ready();
  return { stages: [flows, detect], close: () => detect.close() };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
/** The run of most packets per packet-thread CPU second. */
const bestByThread = (rs: Result[]): Result => rs.reduce((a, b) => (b.threadPps > a.threadPps ? b : a));
/**
 * Slowdown of `with` against `without` per round (adjacent runs, so the load
 * of the shared machine is about the same), in %: the median, and every round.
 */
function pairedCost(without: Result[], withIt: Result[], pps: (r: Result) => number = (r) => r.pps): { median: number; rounds: string } {
  const c = without.map((w, i) => (1 - pps(withIt[i]!) / pps(w)) * 100);
  return { median: median(c), rounds: c.map((x) => x.toFixed(1)).join(', ') };
}

/**
 * Runs `a` and `b` once each unrecorded (warm-up), then `rounds` times each,
 * a before b in even rounds and b before a in odd ones; results go to `as`
 * and `bs` in round order (so as[i] and bs[i] are the pair of round i).
 */
async function alternate(rounds: number, a: () => Promise<Result>, b: () => Promise<Result>, as: Result[], bs: Result[]): Promise<void> {
  await a();
  await b();
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
}

/** Repetitions of a capture of `packets` packets that make about RUN_PACKETS. */
async function countPackets(path: string): Promise<number> {
  let n = 0;
  await (await openCaptureFile(path)).run(() => void n++);
  return n;
}

/**
 * Writes `src` (pcap or pcapng, any link type with Ethernet frames for the
 * remapping) `reps` times into one classic pcap, time shifted per repetition
 * as loopPcap does. In repetition r every public IPv4 address a.b.c.d is
 * moved to a fresh public address by adding r to its high 16-bit word and
 * subtracting r from its low word (one's complement): the 16-bit sum of the
 * address is unchanged, so IP, TCP and UDP checksums stay valid.
 */
async function loopWithFreshAddresses(src: string, reps: number): Promise<{ path: string; packets: number; publicAddrs: number[] }> {
  const frames: Array<{ sec: number; usec: number; orig: number; data: Uint8Array }> = [];
  let linkType = 1;
  await (await openCaptureFile(src)).run((f: RawFrame) => {
    linkType = f.linkType;
    frames.push({ sec: f.tsSec, usec: Math.floor(f.tsNsec / 1000), orig: f.origLen, data: f.data.slice() });
  });
  const ipv4At = (d: Uint8Array): number => (linkType === 1 && d.length >= 34 && d[12] === 0x08 && d[13] === 0x00 ? 14 : -1);
  const publicSeen = new Set<number>();
  for (const f of frames) {
    const o = ipv4At(f.data);
    if (o < 0) continue;
    const dv = new DataView(f.data.buffer, f.data.byteOffset);
    for (const at of [o + 12, o + 16]) {
      const a = dv.getUint32(at);
      if (specialBlockV4(a) === undefined) publicSeen.add(a);
    }
  }
  const span = frames.length > 0 ? frames[frames.length - 1]!.sec - frames[0]!.sec + 1 : 1;
  const out = join(WORK_DIR, `${basename(src)}.fresh-addrs.x${reps}.pcap`);
  if (!existsSync(out)) {
    mkdirSync(WORK_DIR, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    const hdr = Buffer.alloc(24);
    hdr.writeUInt32LE(0xa1b2c3d4, 0);
    hdr.writeUInt16LE(2, 4);
    hdr.writeUInt16LE(4, 6);
    hdr.writeUInt32LE(262144, 16);
    hdr.writeUInt32LE(linkType, 20);
    writeSync(fd, hdr);
    for (let r = 0; r < reps; r++) {
      const chunk = Buffer.alloc(frames.reduce((n, f) => n + 16 + f.data.length, 0));
      let p = 0;
      for (const f of frames) {
        chunk.writeUInt32LE((f.sec + r * span) >>> 0, p);
        chunk.writeUInt32LE(f.usec, p + 4);
        chunk.writeUInt32LE(f.data.length, p + 8);
        chunk.writeUInt32LE(f.orig, p + 12);
        chunk.set(f.data, p + 16);
        const o = ipv4At(f.data);
        if (o >= 0 && r > 0) {
          for (const at of [p + 16 + o + 12, p + 16 + o + 16]) {
            const a = chunk.readUInt32BE(at);
            if (publicSeen.has(a)) chunk.writeUInt32BE(freshAddress(a, r), at);
          }
        }
        p += 16 + f.data.length;
      }
      writeSync(fd, chunk);
    }
    closeSync(fd);
    renameSync(tmp, out);
  }
  return { path: out, packets: frames.length * reps, publicAddrs: [...publicSeen] };
}

/** The address `a` stands for in repetition `r` (see loopWithFreshAddresses); `a` itself when that would not be public. */
function freshAddress(a: number, r: number): number {
  const hi = (a >>> 16) + r;
  let lo = (a & 0xffff) - r;
  if (lo < 0) lo += 0xffff;
  const b = ((hi << 16) | lo) >>> 0;
  return hi <= 0xffff && specialBlockV4(b) === undefined ? b : a;
}

interface ServerHandle {
  url: string;
  validKey: string;
  /** Stops the server; resolves the number of requests it answered. */
  stop(): Promise<number>;
}

/** Starts bench/detect-intel-server.js in a child process. */
async function startServer(delayMs: number, abusive: string[]): Promise<ServerHandle> {
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), 'detect-intel-server.js'));
  const next = <T>(): Promise<T> => new Promise((r) => child.once('message', (m) => r(m as T)));
  const ready = next<{ url: string; validKey: string }>();
  child.send({ delayMs, abusive });
  const { url, validKey } = await ready;
  return {
    url,
    validKey,
    stop: async () => {
      const done = next<{ requests: number }>();
      child.send('stop');
      const { requests } = await done;
      await new Promise((r) => child.once('exit', r));
      return requests;
    },
  };
}

/** One fork: every measurement, its tables on stdout, its figures for the parent. */
async function measure(): Promise<void> {
  // 1. Detection off vs on.
  const reps = Math.max(1, Math.ceil(RUN_PACKETS / (await countPackets(file))));
  const looped = file.endsWith('.pcap') ? loopPcap(file, reps).path : file;
  const cfg = defaultDetectConfig();
  const off: Result[] = [];
  const on: Result[] = [];
  await alternate(rounds, () => run(looped, null), () => run(looped, cfg), off, on);
  const bOff = bestByThread(off);
  const bOn = bestByThread(on);
  console.log(`file: ${file} looped x${reps} (${fmt(bOff.packets)} packets), best of ${rounds} alternating rounds (order flipped every round) after a warm-up round, packets per CPU second`);
  console.log(
    'The port-scan and flood detectors run in a worker thread (detect/thread/): the packet thread queues what they read of each packet. ' +
      "The verdict is the PACKET THREAD's CPU time, as for the intel look-ups below: the target is the throughput of the packet path, which on a machine with a spare core is what the packet thread can do; " +
      "the process's CPU time (the detectors' worker and V8's helper threads included) is reported beside it.",
  );
  console.log(`| run | packets/s (packet-thread CPU) | packets/s (process CPU) | packet-thread CPU ms | other threads' CPU ms | packets/wall-s | alerts |`);
  console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: |`);
  const row1 = (r: Result): string => `${fmt(r.threadPps)} | ${fmt(r.pps)} | ${fmt(r.cpuMs - r.otherCpuMs)} | ${fmt(r.otherCpuMs)} | ${fmt(r.wallPps)}`;
  console.log(`| decode + flows, detection off | ${row1(bOff)} | - |`);
  console.log(`| decode + flows + all default detectors | ${row1(bOn)} | ${bOn.alerts} (raised ${bOn.stats.alertsRaised}) |`);
  const dcThread = pairedCost(off, on, (r) => r.threadPps);
  const dcProcess = pairedCost(off, on);
  const dcWall = pairedCost(off, on, (r) => r.wallPps);
  console.log(
    `detection cost on the packet thread (the verdict): best vs best ${((1 - bOn.threadPps / bOff.threadPps) * 100).toFixed(1)} % slower; median of the rounds ${dcThread.median.toFixed(1)} % (rounds: ${dcThread.rounds}) (target <= 25 %)`,
  );
  console.log(
    `detection cost in process CPU (worker included; reported): median of the rounds ${dcProcess.median.toFixed(1)} % (rounds: ${dcProcess.rounds}); ` +
      `in wall-clock time: median ${dcWall.median.toFixed(1)} % (rounds: ${dcWall.rounds})`,
  );
  const diThread = await interleavedCost(looped, () => side(null), () => side(cfg), interleavedRounds, BATCH, { clock: packetThreadCpuMs });
  const diProcess = await interleavedCost(looped, () => side(null), () => side(cfg), interleavedRounds, BATCH);
  console.log(
    `detection cost, interleaved, packet-thread CPU (the verdict; off and on in lock-step, batches of ${BATCH} frames from memory, CPU per batch, against an off/off control pair): ` +
      `median of ${interleavedRounds} rounds ${diThread.median.toFixed(1)} % (rounds: ${diThread.rounds}) (target <= 25 %)`,
  );
  console.log(
    `detection cost, interleaved, process CPU (reported; the worker's CPU lands in whichever batch runs beside it): median of ${interleavedRounds} rounds ${diProcess.median.toFixed(1)} % (rounds: ${diProcess.rounds})`,
  );

  // 2. Intel: a local AbuseIPDB that answers after 200 ms; fresh public addresses in every repetition.
  const intelReps = Math.max(1, Math.ceil(RUN_PACKETS / 2 / (await countPackets(intelFile))));
  const fresh = await loopWithFreshAddresses(intelFile, intelReps);
  // Every third public address of the capture is reported abusive, in all its repetitions.
  const abusive: string[] = [];
  for (let k = 0; k < fresh.publicAddrs.length; k += 3) {
    for (let r = 0; r < intelReps; r++) abusive.push(formatIPv4(r === 0 ? fresh.publicAddrs[k]! : freshAddress(fresh.publicAddrs[k]!, r)));
  }
  const server = await startServer(200, abusive);
  const intelCfg = defaultDetectConfig();
  intelCfg.intel.abuseipdb.timeoutMs = 1000;
  intelCfg.intel.abuseipdb.dailyBudget = 1_000_000;
  const env = { ABUSEIPDB_API_KEY: server.validKey, ABUSEIPDB_URL: server.url };
  const noIntel: Result[] = [];
  const withIntel: Result[] = [];
  // A fresh cache file each run so every address is a new look-up; the directory goes at the end.
  const cacheDir = mkdtempSync(join(tmpdir(), 'wwdet-bench-'));
  let cacheFiles = 0;
  const freshCache = (): string => join(cacheDir, `cache-${cacheFiles++}.sqlite`);
  const runWithIntel = (): Promise<Result> => {
    intelCfg.intel.abuseipdb.cacheDb = freshCache();
    return run(fresh.path, intelCfg, env);
  };
  await alternate(rounds, () => run(fresh.path, cfg), runWithIntel, noIntel, withIntel);
  const intelSide = (): Promise<InterleavedSide> => {
    intelCfg.intel.abuseipdb.cacheDb = freshCache();
    return side(intelCfg, env);
  };
  // Lock-step with the packet thread's clock (the verdict) and with the process's (reported); all CPU between batches goes to intel.
  const iiThread = await interleavedCost(fresh.path, () => side(cfg), intelSide, interleavedRounds, BATCH, { clock: packetThreadCpuMs, allGapsToB: true });
  const iiProcess = await interleavedCost(fresh.path, () => side(cfg), intelSide, interleavedRounds, BATCH, { allGapsToB: true });
  const serverRequests = await server.stop();
  rmSync(cacheDir, { recursive: true, force: true });
  const nI = bestByThread(noIntel);
  const wI = bestByThread(withIntel);
  const s = wI.stats;
  console.log(
    `\nintel file: ${intelFile} looped x${intelReps} with fresh public addresses per repetition (${fmt(nI.packets)} packets, ${fmt(fresh.publicAddrs.length * intelReps)} distinct public addresses); ` +
      `server (a child process) answers after 200 ms, ${serverRequests} requests over ${rounds} rounds, interleaved rounds and warm-ups; best (by packet-thread CPU) of ${rounds} alternating rounds (order flipped every round) after a warm-up round`,
  );
  console.log(
    'The AbuseIPDB client runs in a worker thread (requests, JSON, validation, SQLite); the packet thread only queues new addresses and takes verdicts. ' +
      "The verdict is the PACKET THREAD's CPU time (/proc/thread-self/schedstat): the target is the throughput of the packet path, which on a machine with a spare core is what the packet thread can do; " +
      "the process's CPU time (packet thread + look-up worker + V8 helper threads) and the other threads' CPU are reported beside it, never left out.",
  );
  console.log(`| run | packets/s (packet-thread CPU) | packets/s (process CPU) | packet-thread CPU ms | other threads' CPU ms | packets/wall-s | requests | answered | intel alerts | alerts | end-of-input wait |`);
  console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
  const row = (r: Result): string => `${fmt(r.threadPps)} | ${fmt(r.pps)} | ${fmt(r.cpuMs - r.otherCpuMs)} | ${fmt(r.otherCpuMs)} | ${fmt(r.wallPps)}`;
  console.log(`| default detectors, no intel | ${row(nI)} | - | - | - | ${nI.alerts} | ${fmt(nI.endMs)} ms |`);
  console.log(
    `| default detectors + AbuseIPDB (200 ms answers) | ${row(wI)} | ${s['intel.abuseipdb.requests']} | ${s['intel.abuseipdb.answered']} | ${s['intel.alerts']} | ${wI.alerts} | ${fmt(wI.endMs)} ms |`,
  );
  const icThread = pairedCost(noIntel, withIntel, (r) => r.threadPps);
  const icProcess = pairedCost(noIntel, withIntel);
  const workerMs = median(withIntel.map((w, i) => w.otherCpuMs - noIntel[i]!.otherCpuMs));
  const threadMs = median(noIntel.map((r) => r.cpuMs - r.otherCpuMs));
  console.log(
    `intel cost on the packet thread (the verdict): best vs best ${((1 - wI.threadPps / nI.threadPps) * 100).toFixed(1)} %; median of the rounds ${icThread.median.toFixed(1)} % (rounds: ${icThread.rounds}) (target <= 5 %)`,
  );
  console.log(
    `intel cost in process CPU (look-up worker included; reported): median of the rounds ${icProcess.median.toFixed(1)} % (rounds: ${icProcess.rounds}); ` +
      `the other threads' CPU grows by ${fmt(workerMs)} ms per run with intel (median of the rounds: the look-up worker), against ${fmt(threadMs)} ms of packet-thread CPU without intel`,
  );
  const gapNote = (ii: { bGapMs: number; aMs: number }): string => `${ii.bGapMs.toFixed(0)} ms/round of event-loop CPU between batches against ${ii.aMs.toFixed(0)} ms of packet work, all charged to intel`;
  console.log(
    `intel cost, interleaved, packet-thread CPU (the verdict; without and with intel in lock-step, batches of ${BATCH} frames from memory, CPU per batch plus ${gapNote(iiThread)}; against a no-intel/no-intel control pair): ` +
      `median of ${interleavedRounds} rounds ${iiThread.median.toFixed(1)} % (rounds: ${iiThread.rounds}) (target <= 5 %)`,
  );
  console.log(
    `intel cost, interleaved, process CPU (reported; the worker's CPU lands in whichever batch runs beside it, so this splits it between both sides: the paired process figure above is the whole-process one; ${gapNote(iiProcess)}): ` +
      `median of ${interleavedRounds} rounds ${iiProcess.median.toFixed(1)} % (rounds: ${iiProcess.rounds})`,
  );
  reportFigures({
    detectionPaired: dcThread.median,
    detectionLockStep: diThread.median,
    detectionPairedProcess: dcProcess.median,
    detectionLockStepProcess: diProcess.median,
    intelPaired: icThread.median,
    intelLockStep: iiThread.median,
    intelPairedProcess: icProcess.median,
    intelLockStepProcess: iiProcess.median,
  });
}

/** The verdicts over FORKS processes, then each fork's tables. */
function main(): void {
  const runs = runForks(fileURLToPath(import.meta.url), args);
  const line = (what: string, key: string, target: number | null): string => {
    const f = acrossForks(runs, key);
    const verdict = target === null ? 'reported' : f.median <= target ? 'met' : 'NOT met';
    return `| ${what} | ${target === null ? '-' : `<= ${target} %`} | ${f.forks} | ${f.median.toFixed(1)} | ${verdict} |`;
  };
  console.log(
    `Each verdict is the median over ${FORKS} fresh processes run one after the other (bench/forks.ts: one process's figure moves with how V8 optimised it), ` +
      `of each process's own median (${rounds} paired rounds, ${interleavedRounds} lock-step rounds); the figures are the cost in %, and a target is met when its paired and its lock-step median both are.`,
  );
  console.log('| cost | target | per process | median | verdict |');
  console.log('| --- | --- | --- | ---: | --- |');
  console.log(line('detection, paired rounds, packet-thread CPU', 'detectionPaired', 25));
  console.log(line('detection, lock-step, packet-thread CPU', 'detectionLockStep', 25));
  console.log(line('detection, paired rounds, process CPU', 'detectionPairedProcess', null));
  console.log(line('detection, lock-step, process CPU', 'detectionLockStepProcess', null));
  console.log(line('intel (AbuseIPDB answering after 200 ms), paired rounds, packet-thread CPU', 'intelPaired', 5));
  console.log(line('intel, lock-step, packet-thread CPU', 'intelLockStep', 5));
  console.log(line('intel, paired rounds, process CPU', 'intelPairedProcess', null));
  console.log(line('intel, lock-step, process CPU', 'intelLockStepProcess', null));
  const met = (a: string, b: string, t: number): string => (acrossForks(runs, a).median <= t && acrossForks(runs, b).median <= t ? 'met' : 'NOT met');
  console.log(`\ndetection <= 25 %: ${met('detectionPaired', 'detectionLockStep', 25)}; intel <= 5 %: ${met('intelPaired', 'intelLockStep', 5)}`);
  runs.forEach((r, i) => console.log(`\n### Process ${i + 1} of ${FORKS}\n\n${r.text}`));
}

if (isFork()) await measure();
else main();
