/**
 * `wirewatch flows FILE`: tracks the flows of a capture and prints a table
 * of the largest ones (by bytes), with packets, duration, state and app.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { analyzeFile } from '../../flow/analyze.js';
import { PRESETS, type TimeoutPreset } from '../../flow/options.js';
import type { FlowRecord } from '../../flow/record.js';
import { flowOptionsFrom } from '../features/flows.js';
import { EXIT_ERROR, EXIT_OK, reportError } from '../run.js';

function parseTop(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 1_000_000) throw new InvalidArgumentError('expected an integer from 1 to 1000000.');
  return n;
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function endpoint(ip: string, port: number, proto: string): string {
  if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Renders the table of the `top` largest flows (by total wire bytes). */
export function flowTable(recs: readonly FlowRecord[], top: number): string {
  const rows = [...recs]
    .sort((a, b) => b.flow.bytes_toserver + b.flow.bytes_toclient - (a.flow.bytes_toserver + a.flow.bytes_toclient))
    .slice(0, top);
  const head = ['#', 'proto', 'source', 'destination', 'app', 'pkts >', 'pkts <', 'bytes', 'duration', 'end'];
  const body = rows.map((r, i) => [
    String(i + 1),
    r.proto,
    endpoint(r.src_ip, r.src_port, r.proto),
    endpoint(r.dest_ip, r.dest_port, r.proto),
    r.app_proto,
    String(r.flow.pkts_toserver),
    String(r.flow.pkts_toclient),
    humanBytes(r.flow.bytes_toserver + r.flow.bytes_toclient),
    `${((r.features.flow_duration as number) / 1e6).toFixed(3)} s`,
    r.flow.reason,
  ]);
  const numeric = new Set([0, 5, 6, 7, 8]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const fmt = (row: string[]): string =>
    row.map((v, c) => (numeric.has(c) ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ').trimEnd();
  return [fmt(head), ...body.map(fmt)].join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('flows')
    .description('track the flows of a capture file and print the largest ones')
    .argument('<file>', 'capture file (pcap, pcapng, gzip-compressed; - for stdin)')
    .option('-n, --top <n>', 'number of flows to show', parseTop, 20)
    .addOption(new Option('--flow-timeouts <preset>', 'timeout preset').choices(Object.keys(PRESETS)).default('default'))
    .option('--idle-timeout <s>', 'idle timeout in seconds', Number)
    .option('--active-timeout <s>', 'active timeout in seconds', Number)
    .action(async (file: string, opts: Record<string, unknown>) => {
      process.exitCode = await flowsCommand(file, opts);
    });
}

export async function flowsCommand(file: string, opts: Record<string, unknown>): Promise<number> {
  const recs: FlowRecord[] = [];
  try {
    const options = flowOptionsFrom(opts);
    const preset = (opts.flowTimeouts as TimeoutPreset | undefined) ?? 'default';
    const res = await analyzeFile(file, (r) => recs.push(r), preset, options);
    const top = typeof opts.top === 'number' ? opts.top : 20;
    process.stdout.write(flowTable(recs, top));
    if (res.error !== null) process.stderr.write(`wirewatch: ${res.error.message} (flows above cover the records before it)\n`);
    process.stderr.write(
      `wirewatch: ${file}: ${res.flows.packets.toLocaleString('en-US')} packets in flows, ${recs.length.toLocaleString('en-US')} flows` +
        (res.flows.untracked > 0 ? `, ${res.flows.untracked} packets without a flow key` : '') +
        '\n',
    );
    return res.error !== null ? EXIT_ERROR : EXIT_OK;
  } catch (e) {
    return reportError(e);
  }
}
