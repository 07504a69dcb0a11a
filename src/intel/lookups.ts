/**
 * What the intel detector needs from a reputation service: an answer known
 * now (cache) or a promise of one, and the queue's state. Implemented by the
 * AbuseIPDB client itself (abuseipdb.ts, on the calling thread) and by its
 * worker-thread front (abuseipdb-thread.ts).
 */
import type { AbuseIpdbStats } from './abuseipdb.js';
import type { Reputation } from './cache.js';

export interface ReputationLookups {
  /** A fresh cached answer, without any request. */
  cached(ip: string): Reputation | undefined;
  /** Queues a look-up (de-duplicated); resolves null when no answer can be had. */
  lookup(ip: string): Promise<Reputation | null>;
  /** True when a new address could not be queued anyway (queue full, disabled, budget spent today). */
  readonly saturated: boolean;
  /** Look-ups asked and not yet answered. */
  readonly pending: number;
  /** One-time set-up before packets flow. */
  warmUp(): Promise<void>;
  /** Waits until every pending look-up has finished, at most `ms`; false when some are left. */
  drain(ms: number): Promise<boolean>;
  /** Gives up on queued look-ups, which answer null (the worker-thread front gives up on every pending one). */
  abandon(): void;
  /** Writes the cache, releases connections (and threads). */
  close(): void | Promise<void>;
  stats(): AbuseIpdbStats;
}
