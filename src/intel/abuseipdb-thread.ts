/**
 * The AbuseIPDB client in a worker thread (abuseipdb-worker.ts), seen from
 * the packet thread. Every request, JSON parse, zod validation and SQLite
 * write runs on the worker; the packet thread only posts new addresses
 * (batched: one message per POST_EVERY_MS) and takes verdicts back (batched
 * as well). With a spare core this keeps the look-ups' CPU time off
 * the packet path; the worker's own CPU time still counts for the process.
 * Addresses travel as their table keys and words (util/addr-key.ts): the
 * special-range check and the address text are the worker's too, so a new
 * address costs the packet thread a few array writes.
 *
 * Cached answers stay synchronous: the worker sends the fresh answers of
 * its cache file when it starts, and every answer after that, to an
 * in-memory copy of the cache here, by key (same size and TTL). All the client's
 * documented behaviour (de-duplication, budget, 429 / Retry-After,
 * time-outs, reserved addresses never sent by the detector) is the worker's
 * client's; the key goes to the worker in its set-up data and is never
 * logged.
 */
import { Worker } from 'node:worker_threads';
import type { AbuseIpdbOptions, AbuseIpdbStats } from './abuseipdb.js';
import { BoundedMap } from '../detect/bounded-map.js';
import { isIPv4 } from 'node:net';
import { wordsKey } from '../util/addr-key.js';
import { isFresh, type Reputation } from './cache.js';
import { keyOfText, parseIp } from './ip.js';
import { type Answer, type ReputationLookups, SPECIAL, untilNonePending } from './lookups.js';

/** The worker's set-up (workerData). */
export interface WorkerSetup {
  client: Omit<AbuseIpdbOptions, 'cache' | 'log' | 'now'>;
  cacheTtlMs: number;
  cacheSize: number;
  cacheFile: string | null;
}

/** `lookup`: addresses by table key, four words each in `words` (IPv4 as ::ffff:a.b.c.d; the key says the family). */
export type ToWorker = { kind: 'lookup'; keys: number[]; words: number[] } | { kind: 'abandon' } | { kind: 'close' };

export type FromWorker =
  | { kind: 'ready'; preload: Reputation[] }
  | { kind: 'failed'; message: string }
  | { kind: 'log'; msg: string }
  | { kind: 'answers'; keys: number[]; answers: Answer[]; stats: AbuseIpdbStats; saturated: boolean }
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

/** A caller of `lookup` (by text) waiting for the answer of a key. */
interface Waiter {
  promise: Promise<Reputation | null>;
  resolve: (r: Reputation | null) => void;
}

export class AbuseIpdbThread implements ReputationLookups {
  private readonly worker: Worker;
  /** This thread's copy of the cache, by address key. */
  private readonly mirror: BoundedMap<number, Reputation>;
  /** Keys asked and not yet answered; a Waiter when `lookup` (by text) waits for one. */
  private readonly waiting = new Map<number, Waiter | null>();
  /** Addresses to post with the next flush: keys, and four words each. */
  private outKeys: number[] = [];
  private outWords: number[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /** Wakes drain() when the last pending look-up is answered. */
  private idle: (() => void) | null = null;
  private readonly started: Promise<void>;
  private workerStats: AbuseIpdbStats = { requests: 0, answered: 0, errors: 0, timeouts: 0, rateLimited: 0, budgetSkipped: 0, queueDropped: 0, deduplicated: 0, queued: 0, inFlight: 0, disabled: false };
  /** The worker's client said it takes no new address (disabled, budget spent, queue full), as of its last answers. */
  private workerSaturated = false;
  private deduplicated = 0;
  private closedSignal: (() => void) | null = null;
  private exited = false;
  private readonly exit: Promise<void>;
  onAnswer: ((key: number, answer: Answer) => void) | null = null;

  constructor(
    private readonly setup: WorkerSetup,
    private readonly log: (msg: string) => void,
  ) {
    this.mirror = new BoundedMap(setup.cacheSize);
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
      if (m.kind === 'answers') this.answers(m.keys, m.answers, m.stats, m.saturated);
      else if (m.kind === 'log') this.log(m.msg);
      else if (m.kind === 'ready') {
        for (const r of m.preload) {
          const key = keyOfText(r.ip);
          if (key !== null) this.mirror.set(key, r);
        }
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
        this.finishAll();
        r();
      }),
    );
  }

  cachedKey(key: number): Reputation | undefined {
    const r = this.mirror.get(key);
    return r !== undefined && isFresh(r, this.setup.cacheTtlMs, Date.now()) ? r : undefined;
  }

  ask(key: number, v4: number, v6: Uint32Array | null): void {
    if (this.waiting.has(key)) {
      this.deduplicated++;
      return;
    }
    this.waiting.set(key, null);
    if (v6 === null) this.enqueue(key, 0, 0, 0xffff, v4);
    else this.enqueue(key, v6[0]!, v6[1]!, v6[2]!, v6[3]!);
  }

  /** The fresh cached answer for an address given as text. */
  cached(ip: string): Reputation | undefined {
    const key = keyOfText(ip);
    return key === null ? undefined : this.cachedKey(key);
  }

  /** The answer for an address given as text: cached, or looked up (null for special-purpose addresses, errors and the rest). */
  lookup(ip: string): Promise<Reputation | null> {
    const w = parseIp(ip);
    if (w === null) return Promise.resolve(null);
    const key = wordsKey(w, isIPv4(ip));
    const c = this.cachedKey(key);
    if (c !== undefined) return Promise.resolve(c);
    const pending = this.waiting.get(key);
    if (pending !== undefined && pending !== null) {
      this.deduplicated++;
      return pending.promise;
    }
    let resolve!: (r: Reputation | null) => void;
    const promise = new Promise<Reputation | null>((r) => (resolve = r));
    const asked = pending === null;
    this.waiting.set(key, { promise, resolve });
    if (asked) this.deduplicated++;
    else this.enqueue(key, w[0]!, w[1]!, w[2]!, w[3]!);
    return promise;
  }

  /** Adds an address (already in `waiting`) to the next message to the worker. */
  private enqueue(key: number, w0: number, w1: number, w2: number, w3: number): void {
    if (this.exited) {
      this.settle(key, null);
      return;
    }
    this.outKeys.push(key);
    this.outWords.push(w0, w1, w2, w3);
    if (this.flushTimer === null) {
      this.flushTimer = setTimeout(() => this.flush(), POST_EVERY_MS);
      // Pending look-ups are awaited with timers of their own (drain); this one must not hold a finished process.
      this.flushTimer.unref();
    }
  }

  /** Posts the addresses of the last POST_EVERY_MS in one message. */
  private flush(): void {
    this.flushTimer = null;
    if (this.outKeys.length === 0 || this.exited) return;
    const keys = this.outKeys;
    const words = this.outWords;
    this.outKeys = [];
    this.outWords = [];
    this.post({ kind: 'lookup', keys, words });
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private answers(keys: number[], answers: Answer[], stats: AbuseIpdbStats, saturated: boolean): void {
    this.workerStats = stats;
    this.workerSaturated = saturated;
    for (let i = 0; i < keys.length; i++) {
      const a = answers[i]!;
      if (a !== null && a !== SPECIAL) this.mirror.set(keys[i]!, a);
      this.settle(keys[i]!, a);
    }
  }

  /** Answers a pending key (a key no longer pending, given up on, is ignored). */
  private settle(key: number, a: Answer): void {
    const w = this.waiting.get(key);
    if (w === undefined) return;
    this.waiting.delete(key);
    w?.resolve(a === SPECIAL ? null : a);
    this.onAnswer?.(key, a);
    if (this.waiting.size > 0) return;
    const idle = this.idle;
    this.idle = null;
    idle?.();
  }

  /** Answers null to every pending key. */
  private finishAll(): void {
    for (const key of [...this.waiting.keys()]) this.settle(key, null);
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

  drain(ms: number): Promise<boolean> {
    // Woken by the last answer (settle), or every 50 ms to look at the clock.
    return untilNonePending(
      () => this.waiting.size,
      () => new Promise<void>((r) => (this.idle = r)),
      ms,
    );
  }

  abandon(): void {
    this.dropOutbox();
    this.finishAll();
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
    this.outKeys = [];
    this.outWords = [];
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
