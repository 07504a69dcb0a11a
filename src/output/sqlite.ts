/**
 * The history database (`--db FILE`): alerts, flows and per-minute stats in
 * one SQLite file, so a security team can query what happened after the
 * fact. Inserts are queued and written in one transaction per batch, on a
 * later turn of the event loop, so the packet path only pushes to an array.
 * One instance per file is shared by every feature of a run (openHistoryDb).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { EventRecord, RecordSink } from '../pipeline.js';

type Db = InstanceType<typeof Database>;
type Stmt = Database.Statement<unknown[]>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY,
  timestamp TEXT NOT NULL,
  signature_id INTEGER NOT NULL,
  signature TEXT NOT NULL,
  category TEXT NOT NULL,
  severity INTEGER NOT NULL,
  src_ip TEXT, src_port INTEGER, dest_ip TEXT, dest_port INTEGER, proto TEXT,
  flow_id INTEGER, community_id TEXT,
  detector TEXT, suppressed INTEGER NOT NULL DEFAULT 0,
  evidence TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_time ON alerts(timestamp);
CREATE INDEX IF NOT EXISTS alerts_src ON alerts(src_ip);
CREATE TABLE IF NOT EXISTS flows (
  id INTEGER PRIMARY KEY,
  timestamp TEXT NOT NULL,
  flow_id INTEGER, community_id TEXT,
  src_ip TEXT, src_port INTEGER, dest_ip TEXT, dest_port INTEGER, proto TEXT,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flows_time ON flows(timestamp);
CREATE TABLE IF NOT EXISTS stats_minute (
  minute INTEGER NOT NULL,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (minute, name)
);
`;

interface Row {
  kind: 0 | 1 | 2;
  rec: EventRecord | null;
  minute: number;
  name: string;
  value: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export class HistoryDb {
  readonly db: Db;
  private readonly insAlert: Stmt;
  private readonly insFlow: Stmt;
  private readonly insStat: Stmt;
  private readonly queue: Row[] = [];
  private scheduled = false;
  private closed = false;
  dropped = 0;
  written = 0;
  private users = 0;

  constructor(
    readonly file: string,
    private readonly maxQueue = 200_000,
  ) {
    try {
      if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new Error(`${file}: cannot open history database: ${(e as Error).message}`);
    }
    this.insAlert = this.db.prepare(
      `INSERT INTO alerts (timestamp, signature_id, signature, category, severity, src_ip, src_port, dest_ip, dest_port, proto, flow_id, community_id, detector, suppressed, evidence)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insFlow = this.db.prepare(
      `INSERT INTO flows (timestamp, flow_id, community_id, src_ip, src_port, dest_ip, dest_port, proto, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insStat = this.db.prepare('INSERT OR REPLACE INTO stats_minute (minute, name, value) VALUES (?, ?, ?)');
  }

  private push(row: Row): void {
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.dropped++;
      return;
    }
    this.queue.push(row);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  insertAlert(rec: EventRecord): void {
    this.push({ kind: 0, rec, minute: 0, name: '', value: 0 });
  }

  insertFlow(rec: EventRecord): void {
    this.push({ kind: 1, rec, minute: 0, name: '', value: 0 });
  }

  /** One value per (minute since the epoch, name); a later write for the same pair replaces it. */
  insertStat(minute: number, name: string, value: number): void {
    this.push({ kind: 2, rec: null, minute, name, value });
  }

  /** Writes everything queued in one transaction. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const rows = this.queue.splice(0);
    const tx = this.db.transaction((batch: Row[]) => {
      for (const r of batch) {
        if (r.kind === 2) {
          this.insStat.run(r.minute, r.name, r.value);
          continue;
        }
        const e = r.rec as Record<string, unknown>;
        if (r.kind === 0) {
          const al = (e.alert ?? {}) as Record<string, unknown>;
          const ww = (e.wirewatch ?? {}) as Record<string, unknown>;
          this.insAlert.run(
            String(e.timestamp), num(al.signature_id) ?? 0, str(al.signature) ?? '', str(al.category) ?? '', num(al.severity) ?? 3,
            str(e.src_ip), num(e.src_port), str(e.dest_ip), num(e.dest_port), str(e.proto), num(e.flow_id), str(e.community_id),
            str(ww.detector), num(ww.suppressed) ?? 0, JSON.stringify(ww.evidence ?? {}),
          );
        } else {
          this.insFlow.run(String(e.timestamp), num(e.flow_id), str(e.community_id), str(e.src_ip), num(e.src_port), str(e.dest_ip), num(e.dest_port), str(e.proto), JSON.stringify(e));
        }
      }
    });
    tx(rows);
    this.written += rows.length;
  }

  /** A RecordSink that stores alerts (or flows) in this database. */
  sink(kind: 'alert' | 'flow'): RecordSink {
    this.users++;
    return {
      write: (rec) => (kind === 'alert' ? this.insertAlert(rec) : this.insertFlow(rec)),
      close: async () => this.release(),
    };
  }

  /** Each user (sink or feature) releases once; the last one flushes and closes the file. */
  release(): void {
    this.users--;
    if (this.users <= 0) this.close();
  }

  retain(): this {
    this.users++;
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
    OPEN.delete(resolve(this.file));
  }
}

const OPEN = new Map<string, HistoryDb>();

/** The run's database for `file` (opened once; every caller retains and later releases it). */
export function openHistoryDb(file: string): HistoryDb {
  const key = resolve(file);
  let db = OPEN.get(key);
  if (db === undefined) {
    db = new HistoryDb(file);
    OPEN.set(key, db);
  }
  return db;
}
