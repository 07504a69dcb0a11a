/**
 * The AbuseIPDB client in a worker thread (abuseipdb-worker.ts), seen from
 * the packet thread. Every request, JSON parse, zod validation and SQLite
 * write runs on the worker; the packet thread only posts new addresses
 * (batched: one message per POST_EVERY_MS) and takes verdicts back (batched
 * as well). With a spare core this keeps the look-ups' CPU time off
 * the packet path; the worker's own CPU time still counts for the process.
 *
 * Cached answers stay synchronous: the worker sends the fresh answers of
 * its cache file when it starts, and every answer after that, to an
 * in-memory copy of the cache here (same size and TTL). All the client's
 * documented behaviour (de-duplication, budget, 429 / Retry-After,
 * time-outs, reserved addresses never sent by the detector) is the worker's
 * client's; the key goes to the worker in its set-up data and is never
 * logged.
 */
import { Worker } from 'node:worker_threads';
import type { AbuseIpdbOptions, AbuseIpdbStats } from './abuseipdb.js';
import { type Reputation, ReputationCache } from './cache.js';
import { PendingLookups, type ReputationLookups } from './lookups.js';

/** The worker's set-up (workerData). */
export interface WorkerSetup {
  client: Omit<AbuseIpdbOptions, 'cache' | 'log' | 'now'>;
  cacheTtlMs: number;
  cacheSize: number;
  cacheFile: string | null;
}

export type ToWorker = { kind: 'lookup'; ips: string[] } | { kind: 'abandon' } | { kind: 'close' };

export type FromWorker =
  | { kind: 'ready'; preload: Reputation[] }
  | { kind: 'failed'; message: string }
  | { kind: 'log'; msg: string }
  | { kind: 'answers'; ips: string[]; reps: Array<Reputation | null>; stats: AbuseIpdbStats; saturated: boolean }
  | { kind: 'closed' };

/**
 * New addresses wait this long to be posted together: a message costs the
 * packet thread tens of microseconds (serialising, waking the worker), a
 * turn of its event loop lasts about a millisecond, and a look-up's answer
 * takes hundreds of milliseconds anyway.
 */
export const POST_EVERY_MS = 50;

/** How long close() waits for the worker to write its cache before terminating it anyway. */
const CLOSE_WAIT_MS = 5000;

export class AbuseIpdbThread implements ReputationLookups {
  private readonly worker: Worker;
  private readonly mirror: ReputationCache;
  private readonly waiting = new PendingLookups();
  /** Addresses to post at the end of this turn of the event loop. */
  private outbox: string[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly started: Promise<void>;
  private workerStats: AbuseIpdbStats = { requests: 0, answered: 0, errors: 0, timeouts: 0, rateLimited: 0, budgetSkipped: 0, queueDropped: 0, deduplicated: 0, queued: 0, inFlight: 0, disabled: false };
  /** The worker's client said it takes no new address (disabled, budget spent, queue full), as of its last answers. */
  private workerSaturated = false;
  private deduplicated = 0;
  private closedSignal: (() => void) | null = null;
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(
    private readonly setup: WorkerSetup,
    private readonly log: (msg: string) => void,
  ) {
    this.mirror = new ReputationCache(setup.cacheTtlMs, setup.cacheSize, null);
    this.worker = new Worker(new URL('./abuseipdb-worker.js', import.meta.url), { workerData: setup });
    // A forgotten close() must not keep the process alive; pending look-ups are awaited with timers (drain).
    this.worker.unref();
    let ready!: () => void;
    let failed!: (e: Error) => void;
    this.started = new Promise<void>((res, rej) => {
      ready = res;
      failed = rej;
    });
    // Set-up errors (cache file) surface from warmUp; an unawaited failure is not an unhandled rejection.
    this.started.catch(() => {});
    this.worker.on('message', (m: FromWorker) => {
      if (m.kind === 'answers') this.answers(m.ips, m.reps, m.stats, m.saturated);
      else if (m.kind === 'log') this.log(m.msg);
      else if (m.kind === 'ready') {
        for (const r of m.preload) this.mirror.put(r);
        ready();
      } else if (m.kind === 'failed') failed(new Error(m.message));
      else this.closedSignal?.();
    });
    this.worker.on('error', (e) => {
      this.log(`AbuseIPDB: the look-up thread failed: ${e.message}; look-ups disabled for this run`);
      failed(e);
    });
    this.exit = new Promise((r) =>
      this.worker.once('exit', () => {
        this.exited = true;
        this.workerSaturated = true;
        this.waiting.finishAll();
        r();
      }),
    );
  }

  cached(ip: string): Reputation | undefined {
    return this.mirror.get(ip);
  }

  lookup(ip: string): Promise<Reputation | null> {
    const w = this.waiting.get(ip);
    if (w !== undefined) {
      this.deduplicated++;
      return w.promise;
    }
    if (this.exited) return Promise.resolve(null);
    const promise = this.waiting.add(ip, {});
    this.outbox.push(ip);
    if (this.flushTimer === null) {
      this.flushTimer = setTimeout(() => this.flush(), POST_EVERY_MS);
      // Pending look-ups are awaited with timers of their own (drain); this one must not hold a finished process.
      this.flushTimer.unref();
    }
    return promise;
  }

  /** Posts the addresses of the last POST_EVERY_MS in one message. */
  private flush(): void {
    this.flushTimer = null;
    if (this.outbox.length === 0 || this.exited) return;
    const ips = this.outbox;
    this.outbox = [];
    this.post({ kind: 'lookup', ips });
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private answers(ips: string[], reps: Array<Reputation | null>, stats: AbuseIpdbStats, saturated: boolean): void {
    this.workerStats = stats;
    this.workerSaturated = saturated;
    for (let i = 0; i < ips.length; i++) {
      const r = reps[i]!;
      if (r !== null) this.mirror.put(r);
      this.waiting.finish(ips[i]!, r);
    }
  }

  get saturated(): boolean {
    // Besides the worker's word: no more outstanding than its queue and its connections can hold.
    return this.workerSaturated || this.waiting.size >= this.setup.client.maxQueue + this.setup.client.concurrency;
  }

  get pending(): number {
    return this.waiting.size;
  }

  /** Resolves once the worker has opened its cache and its client; rejects with the reason it could not. */
  warmUp(): Promise<void> {
    return this.started;
  }

  async drain(ms: number): Promise<boolean> {
    return this.waiting.drain(ms);
  }

  abandon(): void {
    this.dropOutbox();
    this.waiting.finishAll();
    if (!this.exited) this.post({ kind: 'abandon' });
  }

  /** The worker writes its cache and is terminated (in-flight requests are dropped); resolves when it has exited. */
  async close(): Promise<void> {
    if (this.exited) return;
    this.dropOutbox();
    const closed = new Promise<void>((r) => (this.closedSignal = r));
    this.post({ kind: 'close' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, this.exit, new Promise<void>((r) => (timer = setTimeout(r, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    await this.worker.terminate();
    await this.exit;
  }

  private dropOutbox(): void {
    this.outbox = [];
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  /** True while the worker thread runs. */
  get running(): boolean {
    return !this.exited;
  }

  stats(): AbuseIpdbStats {
    return { ...this.workerStats, deduplicated: this.workerStats.deduplicated + this.deduplicated };
  }
}
