/**
 * Turns EVE alert and flow records (as published on the bus or stored in the
 * history database) into the compact views the page shows.
 */
import type { EventRecord } from '../pipeline.js';
import type { AlertView, FlowView } from './protocol.js';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function alertView(rec: EventRecord, id: number): AlertView {
  const al = obj(rec.alert);
  const ww = obj(rec.wirewatch);
  return {
    id,
    timestamp: String(rec.timestamp),
    signature_id: num(al.signature_id) ?? 0,
    signature: str(al.signature) ?? 'unknown',
    category: str(al.category) ?? '',
    severity: num(al.severity) ?? 3,
    src_ip: str(rec.src_ip),
    src_port: num(rec.src_port),
    dest_ip: str(rec.dest_ip),
    dest_port: num(rec.dest_port),
    proto: str(rec.proto),
    flow_id: num(rec.flow_id),
    detector: str(ww.detector),
    suppressed: num(ww.suppressed) ?? 0,
    evidence: obj(ww.evidence),
  };
}

/** Milliseconds between two ISO-8601 timestamps (0 when either is missing or unparsable). */
function spanSeconds(start: unknown, end: unknown): number {
  if (typeof start !== 'string' || typeof end !== 'string') return 0;
  const d = Date.parse(end) - Date.parse(start);
  return Number.isFinite(d) && d > 0 ? d / 1000 : 0;
}

export function flowView(rec: EventRecord): FlowView {
  const f = obj(rec.flow);
  return {
    timestamp: String(rec.timestamp),
    flow_id: num(rec.flow_id),
    src_ip: str(rec.src_ip),
    src_port: num(rec.src_port),
    dest_ip: str(rec.dest_ip),
    dest_port: num(rec.dest_port),
    proto: str(rec.proto),
    app_proto: str(rec.app_proto),
    pkts: (num(f.pkts_toserver) ?? 0) + (num(f.pkts_toclient) ?? 0),
    bytes: (num(f.bytes_toserver) ?? 0) + (num(f.bytes_toclient) ?? 0),
    duration: spanSeconds(f.start, f.end),
    state: str(f.state),
  };
}

/** The N largest flows by bytes, kept sorted (largest first); N is small, so insertion is linear. */
export class LargestFlows {
  readonly items: FlowView[] = [];
  constructor(private readonly cap: number) {}

  /** True when the flow entered the list. */
  offer(f: FlowView): boolean {
    const items = this.items;
    if (items.length >= this.cap && f.bytes <= items[items.length - 1]!.bytes) return false;
    let i = items.length;
    while (i > 0 && items[i - 1]!.bytes < f.bytes) i--;
    items.splice(i, 0, f);
    if (items.length > this.cap) items.pop();
    return true;
  }
}

/** The N newest items, newest first. */
export class NewestList<T> {
  readonly items: T[] = [];
  constructor(private readonly cap: number) {}
  push(x: T): void {
    this.items.unshift(x);
    if (this.items.length > this.cap) this.items.pop();
  }
}
