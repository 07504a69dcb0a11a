/**
 * Reputation cache: an in-memory LRU with a TTL, backed by an optional SQLite
 * file so answers survive restarts (each address costs one API request per
 * TTL, not one per run). The daily request budget is kept in the same file.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BoundedMap } from '../detect/bounded-map.js';

export interface Reputation {
  ip: string;
  score: number;
  countryCode: string | null;
  totalReports: number;
  lastReportedAt: string | null;
  isp: string | null;
  usageType: string | null;
  /** Wall-clock ms when the answer was received. */
  checkedAt: number;
}

type Db = InstanceType<typeof Database>;

/** True while an answer received at `r.checkedAt` is younger than `ttlMs` at `now`. */
export function isFresh(r: Reputation, ttlMs: number, now: number): boolean {
  return now - r.checkedAt < ttlMs;
}

/** How long answers and budget steps wait to be written together (see save). */
const SAVE_DELAY_MS = 1000;

export class ReputationCache {
  private readonly mem: BoundedMap<string, Reputation>;
  private readonly db: Db | null;
  private readonly getStmt: Database.Statement<unknown[]> | null = null;
  private readonly putStmt: Database.Statement<unknown[]> | null = null;
  private readonly budgetGetStmt: Database.Statement<unknown[]> | null = null;
  private readonly budgetPutStmt: Database.Statement<unknown[]> | null = null;
  hits = 0;
  misses = 0;
  /** Entries loaded from the file at start. */
  preloaded = 0;
  /** True when every fresh row of the file fit in memory: misses need not ask the file. */
  private allInMemory = false;

  constructor(
    private readonly ttlMs: number,
    size: number,
    file: string | null,
    private readonly now: () => number = Date.now,
  ) {
    this.mem = new BoundedMap(size);
    if (file === null) {
      this.db = null;
      return;
    }
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      // A cache: losing the last answers on power loss is fine, an fsync per answer on the packet thread is not.
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(`CREATE TABLE IF NOT EXISTS abuseipdb_cache (ip TEXT PRIMARY KEY, score INTEGER NOT NULL, result TEXT NOT NULL, checked_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS abuseipdb_budget (day TEXT PRIMARY KEY, used INTEGER NOT NULL)`);
    } catch (e) {
      throw new Error(`reputation cache ${file}: cannot open SQLite database: ${(e as Error).message}`);
    }
    this.getStmt = this.db.prepare('SELECT result, checked_at FROM abuseipdb_cache WHERE ip = ?');
    // Preload the freshest answers so look-ups of known addresses never touch the file on the packet path.
    const rows = this.db
      .prepare('SELECT result, checked_at FROM abuseipdb_cache WHERE checked_at > ? ORDER BY checked_at ASC LIMIT ?')
      .all(this.now() - ttlMs, size) as Array<{ result: string; checked_at: number }>;
    for (const row of rows) {
      const r = { ...(JSON.parse(row.result) as Reputation), checkedAt: row.checked_at };
      this.mem.set(r.ip, r);
    }
    this.preloaded = rows.length;
    this.allInMemory = rows.length < size;
    this.putStmt = this.db.prepare('INSERT OR REPLACE INTO abuseipdb_cache (ip, score, result, checked_at) VALUES (?, ?, ?, ?)');
    this.budgetGetStmt = this.db.prepare('SELECT used FROM abuseipdb_budget WHERE day = ?');
    this.budgetPutStmt = this.db.prepare('INSERT OR REPLACE INTO abuseipdb_budget (day, used) VALUES (?, ?)');
  }

  /** A fresh answer for the address, from memory or the file; undefined when absent or expired. */
  get(ip: string): Reputation | undefined {
    const now = this.now();
    let r = this.mem.get(ip);
    if (r === undefined && this.getStmt !== null && !this.allInMemory) {
      const row = this.getStmt.get(ip) as { result: string; checked_at: number } | undefined;
      if (row !== undefined) {
        r = { ...(JSON.parse(row.result) as Reputation), checkedAt: row.checked_at };
        this.mem.set(ip, r);
      }
    }
    if (r === undefined || !isFresh(r, this.ttlMs, now)) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return r;
  }

  /**
   * Writes are collected for up to SAVE_DELAY_MS and go to the file in one
   * transaction: a transaction per answer, per budget step or even per turn
   * of the event loop (each a WAL commit) costs more CPU than the rest of the
   * look-up (on the look-up worker thread, or on the packet thread where the
   * client runs there), and answers arrive a few at a time all
   * along a run. close() (and the client's close) writes what is left; a
   * crash loses at most that much of a cache.
   */
  private readonly unsaved: Reputation[] = [];
  private unsavedBudget: { day: string; used: number } | null = null;
  private saveTimer: NodeJS.Timeout | null = null;

  put(r: Reputation): void {
    this.mem.set(r.ip, r);
    if (this.putStmt === null) return;
    this.unsaved.push(r);
    this.scheduleSave();
  }

  /** Requests already spent on the UTC day of `nowMs`. */
  budgetUsed(day: string): number {
    if (this.budgetGetStmt === null) return 0;
    if (this.unsavedBudget !== null && this.unsavedBudget.day === day) return this.unsavedBudget.used;
    const row = this.budgetGetStmt.get(day) as { used: number } | undefined;
    return row?.used ?? 0;
  }

  saveBudget(day: string, used: number): void {
    if (this.budgetPutStmt === null) return;
    this.unsavedBudget = { day, used };
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = setTimeout(() => this.save(), SAVE_DELAY_MS);
    // Pending writes must not keep a finished process alive; close() writes them.
    this.saveTimer.unref();
  }

  /** Writes the answers and the budget not yet in the file, in one transaction. */
  save(): void {
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    const db = this.db;
    if (db === null || !db.open || (this.unsaved.length === 0 && this.unsavedBudget === null)) return;
    db.transaction(() => {
      for (const r of this.unsaved) this.putStmt!.run(r.ip, r.score, JSON.stringify(r), r.checkedAt);
      if (this.unsavedBudget !== null) this.budgetPutStmt!.run(this.unsavedBudget.day, this.unsavedBudget.used);
    })();
    this.unsaved.length = 0;
    this.unsavedBudget = null;
  }

  /** The answers in memory that are still fresh (to seed another thread's copy of the cache). */
  fresh(): Reputation[] {
    const now = this.now();
    const out: Reputation[] = [];
    for (const r of this.mem.values()) if (isFresh(r, this.ttlMs, now)) out.push(r);
    return out;
  }

  get evicted(): number {
    return this.mem.evicted;
  }

  close(): void {
    this.save();
    this.db?.close();
  }
}
