/**
 * `wirewatch capture -i IFACE`: live capture through the libpcap binding,
 * into the same pipeline and outputs as `read`, optionally written to
 * pcap/pcapng files with tcpdump-style rotation (-w, -C, -W).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { interfaceMtu, LiveSource } from '../../capture/live.js';
import { NativeUnavailableError, nativeErrorCode } from '../../capture/native.js';
import { dropPrivileges } from '../../capture/privileges.js';
import { createCaptureWriter, type CaptureWriter } from '../../capture/writer.js';
import { RawFrame } from '../../capture/frame.js';
import type { Packet } from '../../decode/packet.js';
import type { Pipeline, RunSummary, Stage } from '../../pipeline.js';
import { OUTPUT_FORMATS } from '../../output/print-stage.js';
import { FEATURES } from '../features/index.js';
import { createRunContext, EXIT_ERROR, EXIT_USAGE, outputSettings, parsePositiveInt, parsePositiveNumber, runPipeline } from '../run.js';

const MIB = 1024 * 1024;
/** Idle pipeline ticks while no packet arrives, so flow timeouts and rates still advance. */
const IDLE_TICK_MS = 1000;

function parseSnaplen(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 262144) throw new InvalidArgumentError('expected an integer from 1 to 262144.');
  return n;
}

function parseNonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0 (e.g. 0.5, 1, 10).');
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command('capture')
    .description('capture live traffic from an interface (needs root or CAP_NET_RAW) and analyse it like read')
    .requiredOption('-i, --interface <iface>', 'interface to capture on (see wirewatch interfaces)')
    .option('-c, --count <n>', 'stop after N packets', parsePositiveInt)
    .option('-f, --filter <bpf>', "BPF filter expression, as tcpdump's (e.g. 'tcp port 443')")
    .option('--duration <s>', 'stop after S seconds', parsePositiveNumber)
    .option('-w, --write <file>', 'also write the packets to FILE (pcapng; pcap when FILE ends in .pcap)')
    .option('-C, --file-size <MB>', 'with -w: start a new file when the current one exceeds MB million bytes (tcpdump -C)', parsePositiveNumber)
    .option('-W, --file-count <n>', 'with -C: keep at most N files, overwritten in a ring (tcpdump -W)', parsePositiveInt)
    .option('-s, --snaplen <n>', 'bytes kept per packet', parseSnaplen, 262144)
    .option('--no-promisc', 'do not put the interface in promiscuous mode')
    .option('--buffer-size <MiB>', 'kernel capture buffer in MiB (default: libpcap, 2 MiB)', parseNonNegativeNumber)
    .option('--immediate', 'deliver each packet at once instead of in kernel blocks (lower latency, lower throughput)')
    .option('--user <name>', 'switch to this user once the interface is open (drop root)')
    .addOption(new Option('--format <format>', 'per-packet output').choices(OUTPUT_FORMATS).default('brief'))
    .option('-q, --quiet', 'no per-packet output (same as --format none)')
    .option('--no-app', 'skip application-layer decoding (DNS, TLS, HTTP)');
  for (const f of FEATURES) f.addOptions(cmd, 'capture');
  cmd.action(async (opts: Record<string, unknown>) => {
    process.exitCode = await captureCommand(opts);
  });
}

/** The fixes for "permission denied", named the same everywhere. */
export const PERMISSION_HELP =
  'live capture needs root or the capture capabilities: run as root (sudo), or grant them to node with ' +
  'setcap cap_net_raw,cap_net_admin+eip $(readlink -f $(which node))';

/** Writes every packet that reaches it to a pcap/pcapng file (with rotation). */
class WriteStage implements Stage {
  readonly name = 'write';
  private readonly frame = new RawFrame();
  constructor(private readonly writer: CaptureWriter) {}
  onPacket(pkt: Packet): void {
    const f = this.frame;
    f.n = pkt.n;
    f.tsSec = pkt.tsSec;
    f.tsNsec = pkt.tsNsec;
    f.tsDigits = pkt.tsDigits;
    f.capLen = pkt.caplen;
    f.origLen = pkt.len;
    f.linkType = pkt.linkType;
    f.data = pkt.data;
    this.writer.write(f);
  }
}

function openError(iface: string, e: unknown): { message: string; code: number } {
  const code = nativeErrorCode(e);
  const msg = (e as Error)?.message ?? String(e);
  if (e instanceof NativeUnavailableError) return { message: msg, code: EXIT_ERROR };
  if (code === 'EPERM') return { message: `${msg}\n${PERMISSION_HELP}`, code: EXIT_ERROR };
  if (code === 'ENODEV') return { message: `${msg} (list the interfaces with: wirewatch interfaces)`, code: EXIT_ERROR };
  if (code === 'EFILTER') return { message: `-f: bad filter for ${iface}: ${msg}`, code: EXIT_USAGE };
  return { message: msg, code: EXIT_ERROR };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function captureSummary(iface: string, s: RunSummary | null, source: LiveSource, writer: CaptureWriter | null, interrupted: boolean): string {
  const st = source.stats();
  const secs = s !== null ? s.wallMs / 1000 : 0;
  const seen = st.frames;
  const parts = [
    `${fmt(seen)} packets seen`,
    `${fmt(s?.decoded ?? 0)} decoded${s !== null && s.malformed > 0 ? ` (${fmt(s.malformed)} malformed)` : ''}`,
    `${fmt(st.dropped)} dropped by kernel`,
    `${fmt(st.ifDropped)} dropped by interface`,
    `${secs.toFixed(2)} s`,
    `${secs > 0 ? fmt(Math.round(seen / secs)) : '-'} packets/s`,
  ];
  let line = `wirewatch: capture ${iface}: ${parts.join(', ')}`;
  if (writer !== null) {
    const ws = writer.stats();
    line += `; wrote ${fmt(ws.written)} packets to ${ws.files.length > 1 ? `${ws.files.length} files (${ws.files[0]} ...)` : writer.path}`;
    if (ws.dropped > 0) line += ` (${fmt(ws.dropped)} not written: disk too slow)`;
  }
  if (interrupted) line += ' (interrupted)';
  return line;
}

export async function captureCommand(opts: Record<string, unknown>): Promise<number> {
  const iface = String(opts.interface);
  const { format, count, app } = outputSettings(opts);
  const fileSize = typeof opts.fileSize === 'number' ? opts.fileSize : 0;
  const fileCount = typeof opts.fileCount === 'number' ? opts.fileCount : 0;
  const writePath = typeof opts.write === 'string' ? opts.write : null;
  if ((fileSize > 0 || fileCount > 0) && writePath === null) {
    process.stderr.write('wirewatch: error: -C/-W need -w FILE\n');
    return EXIT_USAGE;
  }
  if (fileCount > 0 && fileSize === 0) {
    process.stderr.write('wirewatch: error: -W needs -C MB (rotation by size)\n');
    return EXIT_USAGE;
  }

  let source: LiveSource;
  try {
    source = LiveSource.open(iface, {
      snaplen: typeof opts.snaplen === 'number' ? opts.snaplen : 262144,
      promisc: opts.promisc !== false,
      immediate: opts.immediate === true,
      bufferSize: typeof opts.bufferSize === 'number' ? Math.round(opts.bufferSize * MIB) : 0,
      filter: typeof opts.filter === 'string' ? opts.filter : '',
    });
  } catch (e) {
    const r = openError(iface, e);
    process.stderr.write(`wirewatch: error: ${r.message}\n`);
    return r.code;
  }

  if (typeof opts.user === 'string') {
    try {
      const acct = dropPrivileges(opts.user);
      process.stderr.write(`wirewatch: capturing as ${acct.name} (uid ${acct.uid})\n`);
    } catch (e) {
      source.stop();
      process.stderr.write(`wirewatch: error: ${(e as Error).message}\n`);
      return EXIT_ERROR;
    }
  }

  const ctx = createRunContext('capture', opts, interfaceMtu(iface));
  const extraStages: Stage[] = [];
  let writer: CaptureWriter | null = null;
  if (writePath !== null) {
    const info = source.interfaces()[0]!;
    try {
      writer = createCaptureWriter(writePath, {
        linkType: info.linkType,
        snapLen: info.snapLen,
        tsDigits: info.tsDigits,
        rotateBytes: Math.round(fileSize * 1_000_000),
        rotateCount: fileCount,
      });
    } catch (e) {
      source.stop();
      process.stderr.write(`wirewatch: error: -w ${writePath}: ${(e as Error).message}\n`);
      return EXIT_ERROR;
    }
    extraStages.push(new WriteStage(writer));
    const w = writer;
    ctx.onClose(() => w.close());
  }

  const timers: NodeJS.Timeout[] = [];
  if (typeof opts.duration === 'number') timers.push(setTimeout(() => source.stop(), opts.duration * 1000));
  const onPipeline = (p: Pipeline): void => {
    // Announced only now that Ctrl-C stops the run cleanly (runPipeline's handlers are installed):
    // the stages' set-up before this point can take a while on a loaded machine.
    process.stderr.write(`wirewatch: capturing on ${iface} (link type ${source.interfaces()[0]!.linkType}, snaplen ${source.interfaces()[0]!.snapLen})\n`);
    let lastSeen = -1;
    timers.push(
      setInterval(() => {
        const seen = p.packetCount;
        if (seen === lastSeen) {
          const now = Date.now();
          p.tickIdle(Math.floor(now / 1000), (now % 1000) * 1_000_000);
        }
        lastSeen = seen;
      }, IDLE_TICK_MS),
    );
  };
  const result = await runPipeline(source, ctx, { format, count, app, extraStages, onPipeline, summary: false });
  for (const t of timers) clearTimeout(t);
  process.stderr.write(captureSummary(iface, result.summary, source, writer, result.interrupted) + '\n');
  return result.exitCode;
}
