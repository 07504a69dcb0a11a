/**
 * `wirewatch features FILE --kind kitsune -o feats.csv`: exports Kitsune's
 * AfterImage feature vector of every packet as CSV (`frame,` then the layout's
 * column names), for notebooks and for comparing with Kitsune-py.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { openCaptureFile } from '../../capture/open.js';
import type { RawFrame } from '../../capture/frame.js';
import { Decoder } from '../../decode/decoder.js';
import { Packet } from '../../decode/packet.js';
import { AfterImage, LAYOUTS, type Layout } from '../../detect/ml/afterimage.js';
import { PacketFrontEnd } from '../../detect/ml/frontend-packet.js';
import { DEFAULT_BOUNDS, EXACT_BOUNDS } from '../../detect/ml/streams.js';
import { EXIT_OK, EXIT_USAGE, reportError } from '../run.js';

function parseFile(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a file path.');
  return value;
}

export function register(program: Command): void {
  program
    .command('features')
    .description('export per-packet ML features of a capture as CSV (Kitsune AfterImage statistics)')
    .argument('<file>', 'capture file (pcap, pcapng, gzip-compressed)')
    .addOption(new Option('--kind <kind>', 'feature set').choices(['kitsune']).default('kitsune'))
    .addOption(new Option('--layout <layout>', 'kitsune100: the 100 of Kitsune-py; paper115: the paper\'s 115 (N-BaIoT names)').choices(LAYOUTS).default('kitsune100'))
    .option('--exact', 'keep all state forever (as Kitsune-py) instead of pruning decayed streams')
    .requiredOption('-o, --output <file>', 'CSV file to write (- for stdout)', parseFile)
    .action(async (file: string, opts: Record<string, unknown>) => {
      process.exitCode = await featuresCommand(file, opts);
    });
}

export async function featuresCommand(file: string, opts: Record<string, unknown>): Promise<number> {
  const layout = (opts.layout as Layout | undefined) ?? 'kitsune100';
  const out = String(opts.output);
  let source;
  try {
    source = await openCaptureFile(file);
  } catch (e) {
    return reportError(e);
  }
  let fd: number;
  try {
    fd = out === '-' ? 1 : openSync(out, 'w');
  } catch (e) {
    process.stderr.write(`wirewatch: -o ${out}: cannot open for writing (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
    return EXIT_USAGE;
  }
  const ai = new AfterImage(layout, opts.exact === true ? EXACT_BOUNDS : DEFAULT_BOUNDS);
  const fe = new PacketFrontEnd(ai);
  const decoder = new Decoder();
  const pkt = new Packet();
  const x = new Float64Array(ai.width);
  let buf = `frame,${ai.names.join(',')}\n`;
  const flush = (): void => {
    writeSync(fd, buf);
    buf = '';
  };
  try {
    await source.run((frame: RawFrame) => {
      decoder.decode(frame, pkt);
      fe.process(pkt, x);
      // Text only because the user asked for a CSV; String(v) round-trips every double.
      let line = String(pkt.n);
      for (let i = 0; i < x.length; i++) line += ',' + String(x[i]!);
      buf += line + '\n';
      if (buf.length > 1 << 20) flush();
    });
    flush();
  } catch (e) {
    return reportError(e);
  } finally {
    if (fd !== 1) closeSync(fd);
  }
  return EXIT_OK;
}
