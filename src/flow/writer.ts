/**
 * Flow export files, format by extension: `.csv` (CICFlowMeter columns,
 * then wirewatch's) or `.jsonl`/`.json` (EVE `flow` events, one per line).
 * Records are formatted when a flow ends and appended to a batch of UTF-8
 * bytes (csv-bytes.ts); batches go to an fs WriteStream without waiting, so
 * the packet path never blocks.
 * The stream's buffer is bounded: past `maxBufferedBytes` records are dropped
 * and counted rather than growing memory without limit.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { extname } from 'node:path';
import { CsvBytes } from './csv-bytes.js';
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

/** Appends one CSV row (no newline) for a record to `out`. */
export function writeCsvRow(out: CsvBytes, rec: FlowRecord, label: string): void {
  const f = rec.features;
  out.text(cicFlowIdText(rec));
  out.comma();
  out.text(rec.src_ip);
  out.comma();
  out.num(rec.src_port);
  out.comma();
  out.text(rec.dest_ip);
  out.comma();
  out.num(rec.dest_port);
  out.comma();
  out.num(protoNumber(rec));
  out.comma();
  out.text(rec.flow.start);
  const nCic = CIC_FEATURE_KEYS.length;
  // The record lists its features in CSV order (FlowRecord.features): reading them in one
  // Object.values call costs a fraction of ~100 lookups by a changing key. A record lacking some
  // feature (the count differs) is read key by key, with the defaults.
  const vals = Object.values(f);
  if (vals.length === nCic + EXTRA_COLUMNS.length) {
    for (let i = 0; i < vals.length; i++) {
      out.comma();
      field(out, vals[i]!);
      if (i === nCic - 1) {
        out.comma();
        out.text(label);
      }
    }
    return;
  }
  for (let i = 0; i < nCic; i++) {
    out.comma();
    field(out, f[CIC_FEATURE_KEYS[i]!] ?? 0);
  }
  out.comma();
  out.text(label);
  for (let i = 0; i < EXTRA_COLUMNS.length; i++) {
    out.comma();
    field(out, f[EXTRA_COLUMNS[i]!] ?? '');
  }
}

function field(out: CsvBytes, v: number | string): void {
  if (typeof v === 'number') out.num(v);
  else out.text(v);
}

const rowBytes = new CsvBytes(4096);

/** One CSV row (no newline) for a record, as text. */
export function csvRow(rec: FlowRecord, label: string): string {
  writeCsvRow(rowBytes, rec, label);
  return rowBytes.take();
}

export class FlowFileWriter {
  readonly format: FlowFileFormat;
  private readonly stream: WriteStream;
  /** Formatted records not yet handed to the stream. */
  private readonly batch = new CsvBytes();
  private batchRows = 0;
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
    if (fmt === 'csv') {
      this.batch.str(CSV_HEADER + '\n');
      this.batchRows++;
    }
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
    const b = this.batch;
    if (this.stream.writableLength + b.pos > this.maxBufferedBytes) {
      this.dropped++;
      return;
    }
    if (this.format === 'csv') writeCsvRow(b, rec, this.label);
    else b.str(JSON.stringify(rec));
    b.newline();
    this.written++;
    if (++this.batchRows >= 256 || b.pos >= 65536) this.flush();
  }

  /** Hands the current batch to the stream (called on every tick for live output, and at close). */
  flush(): void {
    if (this.batch.pos === 0 || this.error !== null) return;
    this.stream.write(this.batch.takeBytes());
    this.batchRows = 0;
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
