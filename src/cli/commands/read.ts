/**
 * `wirewatch read FILE`: decode a capture file (pcap, pcapng, gzip; `-` for
 * stdin) and print it, with every registered feature's options.
 */
import type { Command } from 'commander';
import { openCaptureFile } from '../../capture/open.js';
import { fileFilterFromOptions } from '../../capture/bpf/compile.js';
import { FEATURES } from '../features/index.js';
import { addOutputOptions, createRunContext, outputSettings, parseMtu, parsePositiveNumber, reportError, runPipeline } from '../run.js';

export function register(program: Command): void {
  const cmd = program
    .command('read')
    .description('read a capture file (pcap, pcapng, gzip-compressed; - for stdin) and print or analyse its packets')
    .argument('<file>', 'capture file, or - to read stdin (e.g. tcpdump -w - | wirewatch read -)');
  addOutputOptions(cmd, 'text');
  cmd
    .option('-f, --filter <bpf>', "BPF filter expression, as tcpdump -r's (compiled by libpcap for each link type)")
    .option('--realtime', 'replay at the pace of the capture timestamps')
    .option('--speed <x>', 'replay speed factor with --realtime (2 = twice as fast); implies --realtime', parsePositiveNumber)
    .option('--mtu <n>', 'link MTU assumed for the capture (used by features that check sizes)', parseMtu, 1500);
  for (const f of FEATURES) f.addOptions(cmd, 'read');
  cmd.action(async (file: string, opts: Record<string, unknown>) => {
    process.exitCode = await readCommand(file, opts);
  });
}

export async function readCommand(file: string, opts: Record<string, unknown>): Promise<number> {
  const { format, count, app } = outputSettings(opts);
  const speed = typeof opts.speed === 'number' ? opts.speed : undefined;
  const openOpts = speed !== undefined ? { realtime: true, speed } : { realtime: opts.realtime === true };
  let source;
  let filter;
  try {
    filter = fileFilterFromOptions(opts);
    source = await openCaptureFile(file, openOpts);
  } catch (e) {
    return reportError(e);
  }
  const ctx = createRunContext('read', opts, typeof opts.mtu === 'number' ? opts.mtu : 1500);
  const result = await runPipeline(source, ctx, { format, count, app, filter });
  return result.exitCode;
}
