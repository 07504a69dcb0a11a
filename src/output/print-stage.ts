/**
 * The print stage: the last stage of the packet path when the user asked for
 * per-packet output. It formats each packet with the chosen printer and hands
 * the bytes straight into a BufferedWriter.
 */
import type { Packet } from '../decode/packet.js';
import type { Stage } from '../pipeline.js';
import { BriefPrinter } from './brief.js';
import type { BufferedWriter } from './buffered-writer.js';
import type { PacketFormatter } from './formatter.js';
import { JsonLinesPrinter } from './json.js';
import { TextPrinter } from './text.js';

export const OUTPUT_FORMATS = ['text', 'brief', 'json', 'none'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The formatter for `format`, or null for 'none' (no per-packet output). */
export function createFormatter(format: OutputFormat): PacketFormatter | null {
  switch (format) {
    case 'text': return new TextPrinter();
    case 'brief': return new BriefPrinter();
    case 'json': return new JsonLinesPrinter();
    case 'none': return null;
  }
}

export class PrintStage implements Stage {
  readonly name = 'print';
  constructor(
    private readonly formatter: PacketFormatter,
    private readonly writer: BufferedWriter,
  ) {}

  onPacket(pkt: Packet): void {
    this.formatter.format(pkt, this.writer);
  }

  onEnd(): Promise<void> {
    return this.writer.end();
  }
}
