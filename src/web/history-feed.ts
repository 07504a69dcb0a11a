/**
 * The dashboard's view of a saved history database (`wirewatch serve --db`):
 * alerts, the largest and newest flows, and a per-minute traffic series, read
 * with SQL so the process never holds the whole database. The file is opened
 * read-only and polled, so a database another wirewatch run is still writing
 * shows its new alerts and flows as they are committed.
 */
import Database from 'better-sqlite3';
import type { EventRecord } from '../pipeline.js';
import type { AlertView, FlowLists, MixEntry, MonitorView, SeriesPoint, ServerMessage, Totals } from './protocol.js';
import { flowView } from './views.js';
import type { DashboardSource } from './source.js';

type Db = InstanceType<typeof Database>;

/** Alerts sent to a page that connects (the newest ones). */
const MAX_ALERTS = 5000;
const FLOW_LIST = 25;
/** Seconds between re-reading the flow aggregates of a growing database. */
const AGGREGATE_EVERY = 5;

const FLOW_PKTS = "(coalesce(json_extract(record, '$.flow.pkts_toserver'), 0) + coalesce(json_extract(record, '$.flow.pkts_toclient'), 0))";
const FLOW_BYTES = "(coalesce(json_extract(record, '$.flow.bytes_toserver'), 0) + coalesce(json_extract(record, '$.flow.bytes_toclient'), 0))";

/** An alerts-table row: the view's fields, with the evidence still as stored JSON text. */
type AlertRow = Omit<AlertView, 'evidence'> & { evidence: string };

function parseObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function alertFromRow(r: AlertRow): AlertView {
  return { ...r, suppressed: r.suppressed ?? 0, evidence: parseObject(r.evidence) };
}

function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

export class HistoryFeed implements DashboardSource {
  readonly mode = 'history';
  private readonly db: Db;
  private lastAlertId = 0;
  private lastFlowId = 0;
  private flowCount = 0;
  private alertCount = 0;
  private bySignature: Record<string, number> = {};
  private monitor: MonitorView | null = null;
  private series: SeriesPoint[] = [];
  private flows: FlowLists = { largest: [], newest: [] };
  private sinceAggregate = 0;
  private readonly listeners: ((msg: ServerMessage) => void)[] = [];

  constructor(readonly file: string) {
    try {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw new Error(`${file}: cannot open history database: ${(e as Error).message}`);
    }
    for (const t of ['alerts', 'flows']) {
      if (!hasTable(this.db, t)) {
        this.db.close();
        throw new Error(`${file}: not a wirewatch history database (no "${t}" table)`);
      }
    }
    this.lastAlertId = this.maxId('alerts');
    this.aggregate();
  }

  private maxId(table: 'alerts' | 'flows'): number {
    const r = this.db.prepare(`SELECT coalesce(max(id), 0) AS m FROM ${table}`).get() as { m: number };
    return r.m;
  }

  /** Re-reads everything the page shows except the alert list. */
  private aggregate(): void {
    const db = this.db;
    this.lastFlowId = this.maxId('flows');
    const c = db.prepare(`SELECT count(*) AS n, coalesce(sum(${FLOW_PKTS}), 0) AS pkts, coalesce(sum(${FLOW_BYTES}), 0) AS bytes FROM flows`).get() as { n: number; pkts: number; bytes: number };
    this.flowCount = c.n;
    const sigs = db.prepare('SELECT signature, count(*) AS n FROM alerts GROUP BY signature').all() as { signature: string; n: number }[];
    this.bySignature = Object.fromEntries(sigs.map((s) => [s.signature, s.n]));
    this.alertCount = sigs.reduce((s, x) => s + x.n, 0);

    const mix = (expr: string): Record<string, MixEntry> => {
      const rows = db.prepare(`SELECT ${expr} AS k, sum(${FLOW_PKTS}) AS pkts, sum(${FLOW_BYTES}) AS bytes FROM flows GROUP BY k`).all() as { k: string | null; pkts: number; bytes: number }[];
      return Object.fromEntries(rows.map((r) => [r.k ?? 'other', { pkts: r.pkts, bytes: r.bytes }]));
    };
    const talkers = db
      .prepare(
        `SELECT addr, sum(bytes) AS bytes, sum(pkts) AS pkts FROM (
           SELECT src_ip AS addr, ${FLOW_BYTES} AS bytes, ${FLOW_PKTS} AS pkts FROM flows
           UNION ALL SELECT dest_ip, ${FLOW_BYTES}, ${FLOW_PKTS} FROM flows)
         WHERE addr IS NOT NULL GROUP BY addr ORDER BY bytes DESC LIMIT 10`,
      )
      .all() as { addr: string; bytes: number; pkts: number }[];
    const ports = db
      .prepare(
        `SELECT lower(proto) || '/' || dest_port AS port, sum(${FLOW_PKTS}) AS pkts, sum(${FLOW_BYTES}) AS bytes FROM flows
         WHERE dest_port IS NOT NULL GROUP BY port ORDER BY pkts DESC LIMIT 10`,
      )
      .all() as { port: string; pkts: number; bytes: number }[];
    this.monitor = {
      time: 0,
      packets: c.pkts,
      bytes: c.bytes,
      pps1s: 0,
      bps1s: 0,
      pps1m: 0,
      bps1m: 0,
      pps5m: 0,
      bps5m: 0,
      l3: mix("CASE WHEN src_ip LIKE '%:%' THEN 'ipv6' WHEN src_ip IS NULL THEN 'other' ELSE 'ipv4' END"),
      l4: mix('lower(proto)'),
      app: mix("CASE WHEN app_proto IS NULL OR app_proto IN ('unknown', 'failed') THEN 'other' ELSE app_proto END".replace(/app_proto/g, "json_extract(record, '$.app_proto')")),
      topTalkersBytes: talkers.map((t) => ({ ...t, error: 0 })),
      topPorts: ports.map((p) => ({ ...p, error: 0 })),
      tcp: null,
      icmpUnreachable: 0,
      malformed: 0,
      dropped: 0,
      ifDropped: 0,
      topErrorBound: 0,
    };
    this.series = this.readSeries();
    const toViews = (rows: { record: string }[]) => rows.map((r) => flowView(parseObject(r.record) as EventRecord));
    this.flows = {
      largest: toViews(db.prepare(`SELECT record FROM flows ORDER BY ${FLOW_BYTES} DESC LIMIT ${FLOW_LIST}`).all() as { record: string }[]),
      newest: toViews(db.prepare(`SELECT record FROM flows ORDER BY id DESC LIMIT ${FLOW_LIST}`).all() as { record: string }[]),
    };
  }

  /**
   * Per-minute packets and bytes: from the stats_minute table when the run
   * wrote it (names "packets" and "bytes"), otherwise from the flows, each
   * counted in the minute it started.
   */
  private readSeries(): SeriesPoint[] {
    const db = this.db;
    if (hasTable(db, 'stats_minute')) {
      const rows = db
        .prepare(
          `SELECT minute, sum(CASE WHEN name = 'packets' THEN value ELSE 0 END) AS pkts, sum(CASE WHEN name = 'bytes' THEN value ELSE 0 END) AS bytes
           FROM stats_minute WHERE name IN ('packets', 'bytes') GROUP BY minute ORDER BY minute`,
        )
        .all() as { minute: number; pkts: number; bytes: number }[];
      if (rows.length > 0) return rows.map((r) => [r.minute * 60, r.pkts, r.bytes]);
    }
    const rows = db
      .prepare(
        `SELECT CAST(unixepoch(json_extract(record, '$.flow.start')) / 60 AS INTEGER) AS minute, sum(${FLOW_PKTS}) AS pkts, sum(${FLOW_BYTES}) AS bytes
         FROM flows WHERE json_extract(record, '$.flow.start') IS NOT NULL GROUP BY minute ORDER BY minute`,
      )
      .all() as { minute: number | null; pkts: number; bytes: number }[];
    return rows.filter((r) => r.minute !== null).map((r) => [r.minute! * 60, r.pkts, r.bytes]);
  }

  private totals(): Totals {
    return { flows: this.flowCount, alerts: this.alertCount, alertsBySignature: this.bySignature };
  }

  private alertsAfter(id: number, limit: number): AlertView[] {
    const rows = this.db.prepare('SELECT * FROM (SELECT * FROM alerts WHERE id > ? ORDER BY id DESC LIMIT ?) ORDER BY id').all(id, limit) as AlertRow[];
    return rows.map(alertFromRow);
  }

  initial(): ServerMessage[] {
    return [
      { type: 'hello', mode: 'history', source: this.file, seriesStep: 60 },
      { type: 'tick', monitor: this.monitor, points: this.series, totals: this.totals(), flows: this.flows },
      { type: 'alerts', alerts: this.alertsAfter(0, MAX_ALERTS).filter((a) => a.id <= this.lastAlertId) },
    ];
  }

  tick(): ServerMessage | null {
    const newAlerts = this.maxId('alerts') > this.lastAlertId ? this.alertsAfter(this.lastAlertId, MAX_ALERTS) : [];
    if (newAlerts.length > 0) {
      this.lastAlertId = newAlerts[newAlerts.length - 1]!.id;
      const msg: ServerMessage = { type: 'alerts', alerts: newAlerts };
      for (const l of this.listeners) l(msg);
    }
    this.sinceAggregate++;
    const grown = newAlerts.length > 0 || this.maxId('flows') > this.lastFlowId;
    if (!grown || this.sinceAggregate < AGGREGATE_EVERY) return null;
    this.sinceAggregate = 0;
    this.aggregate();
    return { type: 'tick', monitor: this.monitor, points: this.series, totals: this.totals(), flows: this.flows };
  }

  onMessage(fn: (msg: ServerMessage) => void): void {
    this.listeners.push(fn);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
