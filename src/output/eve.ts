/**
 * Alerts as Suricata EVE JSON (event_type "alert") plus a `wirewatch` object
 * with the evidence, the fast.log-like console line, and the JSON-lines file
 * sink. Existing EVE tooling (jq recipes, Filebeat, Evebox) reads the file
 * unchanged.
 */
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import type { Alert } from '../detect/detector.js';
import type { EventRecord, RecordSink } from '../pipeline.js';
import { formatIsoTime } from '../util/format.js';

export interface EveAlert extends EventRecord {
  event_type: 'alert';
  timestamp: string;
  flow_id?: number;
  community_id?: string;
  src_ip: string;
  src_port?: number;
  dest_ip: string;
  dest_port?: number;
  proto: string;
  alert: {
    action: 'allowed';
    gid: 1;
    signature_id: number;
    rev: 1;
    signature: string;
    category: string;
    severity: number;
  };
  wirewatch: {
    detector: string;
    evidence: Record<string, unknown>;
    /** Alerts of this signature and source dropped by suppression since the previous one. */
    suppressed?: number;
  };
}

/** The EVE record of an alert (timestamps ISO-8601 UTC with microseconds). */
export function eveAlert(a: Alert, suppressed = 0): EveAlert {
  const t = a.tuple;
  const rec: EveAlert = {
    timestamp: formatIsoTime(a.tsSec, a.tsNsec, 6),
    event_type: 'alert',
    src_ip: t.srcIp,
    dest_ip: t.destIp,
    proto: t.proto,
    alert: { action: 'allowed', gid: 1, signature_id: a.sig.id, rev: 1, signature: a.sig.name, category: a.sig.category, severity: a.sig.severity },
    wirewatch: { detector: a.detector, evidence: a.evidence },
  };
  if (t.flowId !== null) rec.flow_id = t.flowId;
  if (t.communityId !== null) rec.community_id = t.communityId;
  if (t.srcPort !== null) rec.src_port = t.srcPort;
  if (t.destPort !== null) rec.dest_port = t.destPort;
  if (suppressed > 0) rec.wirewatch.suppressed = suppressed;
  return rec;
}

function endpoint(ip: unknown, port: unknown): string {
  const a = typeof ip === 'string' && ip !== '' ? ip : '?';
  if (typeof port !== 'number') return a;
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}

const SUMMARY_KEYS = ['scan_type', 'flood', 'attack', 'bound', 'reason', 'query', 'registered_domain', 'score', 'failed_ports', 'failed_hosts', 'packets_this_second', 'bytes_this_second', 'half_open', 'abuseConfidenceScore', 'list', 'cidr'];

/** One readable line, like Suricata's fast.log, with the key evidence appended. */
export function consoleAlertLine(rec: EventRecord): string {
  const r = rec as Partial<EveAlert>;
  const al = r.alert;
  const ev = r.wirewatch?.evidence ?? {};
  const bits: string[] = [];
  for (const k of SUMMARY_KEYS) {
    const v = ev[k];
    if (v !== undefined && v !== null && typeof v !== 'object') bits.push(`${k}=${String(v)}`);
  }
  if (r.wirewatch?.suppressed) bits.push(`suppressed=${r.wirewatch.suppressed}`);
  return (
    `${rec.timestamp} [**] [1:${al?.signature_id ?? 0}:1] ${al?.signature ?? '?'} [**] [Classification: ${al?.category ?? '?'}] ` +
    `[Priority: ${al?.severity ?? 3}] {${r.proto ?? '?'}} ${endpoint(r.src_ip, r.src_port)} -> ${endpoint(r.dest_ip, r.dest_port)}` +
    (bits.length > 0 ? `  ${bits.join(' ')}` : '')
  );
}

/**
 * Appends records as JSON lines. Writes go through the stream's buffer; when
 * the disk cannot keep up and the buffer passes `maxBuffered` bytes, records
 * are dropped and counted rather than blocking the packet path.
 */
export class JsonLinesSink implements RecordSink {
  private readonly out: WriteStream;
  dropped = 0;
  written = 0;
  private error: Error | null = null;

  constructor(
    readonly file: string,
    private readonly maxBuffered = 64 * 1024 * 1024,
  ) {
    // Open once synchronously so a bad path fails now, with the reason, not later in a stream event.
    closeSync(openSync(file, 'a'));
    this.out = createWriteStream(file, { flags: 'a' });
    this.out.on('error', (e) => (this.error = e));
  }

  write(rec: EventRecord): void {
    if (this.error !== null || this.out.writableLength > this.maxBuffered) {
      this.dropped++;
      return;
    }
    this.out.write(JSON.stringify(rec) + '\n');
    this.written++;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.end(() => (this.error !== null ? reject(new Error(`${this.file}: ${this.error.message}`)) : resolve()));
    });
  }
}
