/**
 * Flow export files, format by extension: `.csv` (CICFlowMeter columns,
 * then wirewatch's) or `.jsonl`/`.json` (EVE `flow` events, one per line).
 * Records are formatted when a flow ends and appended to a batch; batches
 * go to an fs WriteStream without waiting, so the packet path never blocks.
 * The stream's buffer is bounded: past `maxBufferedBytes` records are dropped
 * and counted rather than growing memory without limit.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { extname } from 'node:path';
import { CIC_FEATURE_KEYS, CSV_HEADER, EXTRA_COLUMNS } from './columns.js';
import { cicFlowIdText, protoNumber, type FlowRecord } from './record.js';

export type FlowFileFormat = 'csv' | 'jsonl';

/** Format for an output path, or null when the extension is not one we write. */
export function flowFormatOf(path: string): FlowFileFormat | null {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.json' || ext === '.ndjson') return 'jsonl';
  return null;
}

const NEEDS_QUOTES = /[",\r\n]/;

function csvField(v: number | string): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '0';
  if (v === '') return '';
  // RFC 4180: quote fields with separators, quotes or line breaks.
  return NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One CSV row (no newline) for a record. Appended to one string: an array of ~120 fields and a join cost a third more. */
export function csvRow(rec: FlowRecord, label: string): string {
  const f = rec.features;
  let row =
    csvField(cicFlowIdText(rec)) +
    ',' +
    csvField(rec.src_ip) +
    ',' +
    rec.src_port +
    ',' +
    csvField(rec.dest_ip) +
    ',' +
    rec.dest_port +
    ',' +
    protoNumber(rec) +
    ',' +
    rec.flow.start;
  for (let i = 0; i < CIC_FEATURE_KEYS.length; i++) row += ',' + csvField(f[CIC_FEATURE_KEYS[i]!] ?? 0);
  row += ',' + csvField(label);
  for (let i = 0; i < EXTRA_COLUMNS.length; i++) row += ',' + csvField(f[EXTRA_COLUMNS[i]!] ?? '');
  return row;
}

export class FlowFileWriter {
  readonly format: FlowFileFormat;
  private readonly stream: WriteStream;
  private batch: string[] = [];
  private batchBytes = 0;
  written = 0;
  dropped = 0;
  private error: Error | null = null;

  constructor(
    readonly path: string,
    private readonly label = 'NeedManualLabel',
    private readonly maxBufferedBytes = 64 * 1024 * 1024,
  ) {
    const fmt = flowFormatOf(path);
    if (fmt === null) {
      throw new Error(`--flows ${path}: unknown extension "${extname(path)}" (use .csv, .jsonl or .json)`);
    }
    this.format = fmt;
    this.stream = createWriteStream(path);
    this.stream.on('error', (e) => {
      this.error = e;
    });
    if (fmt === 'csv') this.push(CSV_HEADER + '\n');
  }

  /** Waits until the file is open (so a bad path is reported before the run starts). */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.error !== null) reject(this.error);
      else if (!this.stream.pending) resolve();
      else {
        this.stream.once('ready', () => resolve());
        this.stream.once('error', reject);
      }
    });
  }

  write(rec: FlowRecord): void {
    if (this.error !== null) {
      this.dropped++;
      return;
    }
    if (this.stream.writableLength + this.batchBytes > this.maxBufferedBytes) {
      this.dropped++;
      return;
    }
    this.push((this.format === 'csv' ? csvRow(rec, this.label) : JSON.stringify(rec)) + '\n');
    this.written++;
  }

  private push(line: string): void {
    this.batch.push(line);
    this.batchBytes += line.length;
    if (this.batch.length >= 256 || this.batchBytes >= 65536) this.flush();
  }

  /** Hands the current batch to the stream (called on every tick for live output, and at close). */
  flush(): void {
    if (this.batch.length === 0 || this.error !== null) return;
    this.stream.write(this.batch.join(''));
    this.batch = [];
    this.batchBytes = 0;
  }

  async close(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve) => {
      if (this.error !== null) resolve();
      else this.stream.end(() => resolve());
    });
    if (this.error !== null) throw new Error(`--flows ${this.path}: ${this.error.message}`);
  }
}
