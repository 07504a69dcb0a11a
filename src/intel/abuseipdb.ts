/**
 * AbuseIPDB APIv2 client (`GET /api/v2/check`). Built to sit beside a packet
 * path that must never wait: callers get a cached answer synchronously or a
 * promise; requests go through a bounded queue with in-flight de-duplication
 * and a concurrency limit; 429 + Retry-After and X-RateLimit-Remaining pause
 * the queue; a daily budget caps spending; every request has a time-out.
 * The API key is sent only in the `Key` header and never appears in logs,
 * errors or stats.
 */
import { z } from 'zod';
import { BoundedMap } from '../detect/bounded-map.js';
import type { Reputation, ReputationCache } from './cache.js';
import { type HttpAnswer, HttpGetter } from './http-get.js';
import { PendingLookups } from './lookups.js';

export const DEFAULT_ABUSEIPDB_URL = 'https://api.abuseipdb.com';

export interface AbuseIpdbOptions {
  apiKey: string;
  baseUrl: string;
  maxAgeInDays: number;
  timeoutMs: number;
  concurrency: number;
  maxQueue: number;
  dailyBudget: number;
  errorTtlMs: number;
  cache: ReputationCache;
  log: (msg: string) => void;
  now?: () => number;
}

const CheckResponse = z.object({
  data: z.object({
    ipAddress: z.string(),
    abuseConfidenceScore: z.number().min(0).max(100),
    countryCode: z.string().nullable().optional(),
    totalReports: z.number().optional(),
    lastReportedAt: z.string().nullable().optional(),
    isp: z.string().nullable().optional(),
    usageType: z.string().nullable().optional(),
  }),
});

export interface AbuseIpdbStats {
  requests: number;
  answered: number;
  errors: number;
  timeouts: number;
  rateLimited: number;
  budgetSkipped: number;
  queueDropped: number;
  deduplicated: number;
  queued: number;
  inFlight: number;
  disabled: boolean;
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date); null when absent or unparsable. */
export function retryAfterMs(v: string | null, now: number): number | null {
  if (v === null) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : null;
}

export class AbuseIpdbClient {
  private readonly queue: string[] = [];
  private readonly waiting = new PendingLookups<{ tries: number }>();
  private readonly errorUntil: BoundedMap<string, number>;
  private active = 0;
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | null = null;
  private disabled = false;
  private budgetDay = '';
  private budgetUsed = 0;
  private budgetLogged = false;
  private readonly now: () => number;
  private readonly url: string;
  private readonly http: HttpGetter;
  private readonly s: Omit<AbuseIpdbStats, 'queued' | 'inFlight' | 'disabled'> = {
    requests: 0,
    answered: 0,
    errors: 0,
    timeouts: 0,
    rateLimited: 0,
    budgetSkipped: 0,
    queueDropped: 0,
    deduplicated: 0,
  };

  constructor(private readonly o: AbuseIpdbOptions) {
    this.now = o.now ?? Date.now;
    this.url = `${o.baseUrl.replace(/\/+$/, '')}/api/v2/check`;
    this.http = new HttpGetter(this.url, o.concurrency);
    this.errorUntil = new BoundedMap(Math.max(1000, o.maxQueue));
  }

  /** A fresh cached answer, without any request. */
  cached(ip: string): Reputation | undefined {
    return this.o.cache.get(ip);
  }

  /**
   * The reputation of a public address: cached, or looked up (queued,
   * de-duplicated). Resolves null when no answer can be had (error, budget,
   * disabled, queue full).
   */
  check(ip: string): Promise<Reputation | null> {
    const c = this.o.cache.get(ip);
    if (c !== undefined) return Promise.resolve(c);
    return this.lookup(ip);
  }

  /**
   * As `check`, for a caller that just found no fresh cached answer (`cached`):
   * queues the look-up. The request itself is issued off the caller's path
   * (see schedulePump), so a packet that shows a new address only enqueues it.
   */
  lookup(ip: string): Promise<Reputation | null> {
    const w = this.waiting.get(ip);
    if (w !== undefined) {
      this.s.deduplicated++;
      return w.promise;
    }
    const until = this.errorUntil.peek(ip);
    if (this.disabled || (until !== undefined && this.now() < until)) return Promise.resolve(null);
    if (this.queue.length >= this.o.maxQueue) {
      this.s.queueDropped++;
      return Promise.resolve(null);
    }
    const promise = this.waiting.add(ip, { tries: 0 });
    this.queue.push(ip);
    this.schedulePump();
    return promise;
  }

  private pumpScheduled = false;

  /** Starts queued requests once the current synchronous work (a batch of packets) is done. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /**
   * One-time set-up before the first look-up, so it is not paid on the packet
   * path: today's date is computed (the cache file was opened and its
   * statements prepared when the cache was made).
   */
  async warmUp(): Promise<void> {
    this.utcDay();
    await Promise.resolve();
  }

  /** Today's UTC date (YYYY-MM-DD), remade only when the day changes (it is asked for every new address). */
  private utcDay(): string {
    const now = this.now();
    if (now >= this.dayEndsAt || now < this.dayStartsAt) {
      this.dayText = new Date(now).toISOString().slice(0, 10);
      this.dayStartsAt = Date.parse(`${this.dayText}T00:00:00Z`);
      this.dayEndsAt = this.dayStartsAt + 86_400_000;
    }
    return this.dayText;
  }

  private dayText = '';
  private dayStartsAt = Infinity;
  private dayEndsAt = -Infinity;

  /** True when one more request fits today's budget (counted and persisted). */
  private spend(): boolean {
    const day = this.utcDay();
    if (day !== this.budgetDay) {
      this.budgetDay = day;
      this.budgetUsed = this.o.cache.budgetUsed(day);
      this.budgetLogged = false;
    }
    if (this.budgetUsed >= this.o.dailyBudget) {
      if (!this.budgetLogged) {
        this.budgetLogged = true;
        this.o.log(`AbuseIPDB: daily budget of ${this.o.dailyBudget} requests spent for ${day}; further look-ups skipped until the next UTC day`);
      }
      return false;
    }
    this.budgetUsed++;
    this.o.cache.saveBudget(day, this.budgetUsed);
    return true;
  }

  private pump(): void {
    while (this.active < this.o.concurrency && this.queue.length > 0) {
      if (this.disabled) {
        for (const ip of this.queue.splice(0)) this.waiting.finish(ip, null);
        return;
      }
      const wait = this.pausedUntil - this.now();
      if (wait > 0) {
        if (this.pauseTimer === null) {
          this.pauseTimer = setTimeout(() => {
            this.pauseTimer = null;
            this.pump();
          }, wait);
          this.pauseTimer.unref();
        }
        return;
      }
      const ip = this.queue.shift()!;
      if (!this.spend()) {
        this.s.budgetSkipped++;
        this.waiting.finish(ip, null);
        continue;
      }
      this.active++;
      void this.request(ip).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private pause(ms: number, why: string): void {
    const until = this.now() + ms;
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.o.log(`AbuseIPDB: ${why}; pausing look-ups for ${Math.ceil(ms / 1000)} s`);
    }
  }

  private async request(ip: string): Promise<void> {
    const url = `${this.url}?ipAddress=${encodeURIComponent(ip)}&maxAgeInDays=${this.o.maxAgeInDays}`;
    this.s.requests++;
    let res: HttpAnswer;
    try {
      res = await this.http.get(url, { Key: this.o.apiKey, Accept: 'application/json' }, this.o.timeoutMs);
    } catch (e) {
      const err = e as Error;
      if (err.name === 'TimeoutError') this.s.timeouts++;
      else this.s.errors++;
      this.o.log(`AbuseIPDB: look-up of ${ip} failed: ${err.name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : err.message}`);
      this.fail(ip);
      return;
    }
    const remaining = res.header('x-ratelimit-remaining');
    if (remaining !== null && Number(remaining) <= 0 && res.status !== 429) {
      const reset = Number(res.header('x-ratelimit-reset'));
      const ms = retryAfterMs(res.header('retry-after'), this.now()) ?? (Number.isFinite(reset) && reset > 0 ? reset * 1000 - this.now() : 60_000);
      this.pause(Math.max(1000, ms), 'rate limit reached (X-RateLimit-Remaining: 0)');
    }
    if (res.status === 429) {
      this.s.rateLimited++;
      this.pause(retryAfterMs(res.header('retry-after'), this.now()) ?? 60_000, 'HTTP 429 Too Many Requests');
      const w = this.waiting.get(ip);
      if (w !== undefined && ++w.tries <= 3) this.queue.unshift(ip);
      else this.fail(ip);
      return;
    }
    if (res.status === 401 || res.status === 403) {
      if (!this.disabled) this.o.log(`AbuseIPDB: the API key was rejected (HTTP ${res.status}); look-ups disabled for this run`);
      this.disabled = true;
      this.waiting.finish(ip, null);
      return;
    }
    if (res.status !== 200) {
      this.s.errors++;
      const body = res.body.slice(0, 200).replace(/\s+/g, ' ');
      this.o.log(`AbuseIPDB: look-up of ${ip} answered HTTP ${res.status}${body ? `: ${body}` : ''}`);
      this.fail(ip);
      return;
    }
    let parsed: z.infer<typeof CheckResponse>;
    try {
      parsed = CheckResponse.parse(JSON.parse(res.body));
    } catch (e) {
      this.s.errors++;
      this.o.log(`AbuseIPDB: look-up of ${ip}: unexpected answer (${(e as Error).message.slice(0, 200)})`);
      this.fail(ip);
      return;
    }
    const d = parsed.data;
    const r: Reputation = {
      ip,
      score: d.abuseConfidenceScore,
      countryCode: d.countryCode ?? null,
      totalReports: d.totalReports ?? 0,
      lastReportedAt: d.lastReportedAt ?? null,
      isp: d.isp ?? null,
      usageType: d.usageType ?? null,
      checkedAt: this.now(),
    };
    this.s.answered++;
    this.o.cache.put(r);
    this.waiting.finish(ip, r);
  }

  private fail(ip: string): void {
    this.errorUntil.set(ip, this.now() + this.o.errorTtlMs);
    this.waiting.finish(ip, null);
  }

  /** Waits until every queued and in-flight look-up has finished, at most `ms`. */
  async drain(ms: number): Promise<boolean> {
    return this.waiting.drain(ms, () => this.now());
  }

  /** Gives up on everything still queued (answers null). */
  abandon(): void {
    for (const ip of this.queue.splice(0)) this.waiting.finish(ip, null);
    if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
  }

  /** Gives up on queued look-ups, writes the cache's unsaved answers, closes idle connections (in-flight ones finish or time out). */
  close(): void {
    this.abandon();
    this.o.cache.save();
    if (this.active === 0) this.http.close();
  }

  /** True when a new address could not be queued anyway (queue full, disabled, budget spent today). */
  get saturated(): boolean {
    return this.disabled || this.queue.length >= this.o.maxQueue || (this.budgetDay === this.utcDay() && this.budgetUsed >= this.o.dailyBudget);
  }

  get pending(): number {
    return this.waiting.size;
  }

  stats(): AbuseIpdbStats {
    return { ...this.s, queued: this.queue.length, inFlight: this.active, disabled: this.disabled };
  }
}
