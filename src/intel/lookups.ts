/**
 * What the intel detector needs from a reputation service, by address key
 * (util/addr-key.ts) so that a new address costs the packet thread no text,
 * no special-range check and no promise: an answer known now (this thread's
 * copy of the cache) or one queued, which comes back through `onAnswer`.
 * Implemented by the AbuseIPDB client's worker-thread front
 * (abuseipdb-thread.ts); the client itself (abuseipdb.ts) runs on the worker.
 */
import type { AbuseIpdbStats } from './abuseipdb.js';
import type { Reputation } from './cache.js';

/** The answer for an address in a special-purpose block (private, reserved, multicast…): never sent anywhere. */
export const SPECIAL = 'special';

/** A reputation; null when none can be had (error, time-out, budget, disabled, abandoned); SPECIAL when never to be asked. */
export type Answer = Reputation | null | typeof SPECIAL;

export interface ReputationLookups {
  /** A fresh cached answer for the address of `key`, without any request. */
  cachedKey(key: number): Reputation | undefined;
  /**
   * Queues the address of `key` for an answer: IPv4 `v4` (`v6` null) or the
   * four words `v6`. Any address may be asked (the answer says SPECIAL for
   * those that are never sent). One answer per key, through `onAnswer`, however
   * often it is asked before the answer comes.
   */
  ask(key: number, v4: number, v6: Uint32Array | null): void;
  /** Receives every answer to `ask` (on this thread, between packets). */
  onAnswer: ((key: number, answer: Answer) => void) | null;
  /** True when a new address could not be queued anyway (queue full, disabled, budget spent today). */
  readonly saturated: boolean;
  /** Look-ups asked and not yet answered. */
  readonly pending: number;
  /** One-time set-up before packets flow. */
  warmUp(): Promise<void>;
  /** Waits until every pending look-up has finished, at most `ms`; false when some are left. */
  drain(ms: number): Promise<boolean>;
  /** Gives up on every pending look-up, which answers null. */
  abandon(): void;
  /** Writes the cache, releases connections (and threads). */
  close(): void | Promise<void>;
  stats(): AbuseIpdbStats;
}

/**
 * Look-ups asked and not yet answered, by address: one promise each (asking
 * again gets the same one), settled once, by `finish`. `Extra` is what the
 * owner keeps beside it (the client: its tries).
 */
export class PendingLookups<Extra extends object = object> {
  private readonly m = new Map<string, { promise: Promise<Reputation | null>; resolve: (r: Reputation | null) => void } & Extra>();

  get size(): number {
    return this.m.size;
  }

  /** The pending look-up of `ip`, if any. */
  get(ip: string): ({ promise: Promise<Reputation | null> } & Extra) | undefined {
    return this.m.get(ip);
  }

  /** Registers the look-up of `ip` (not pending) with `extra`; returns its promise. */
  add(ip: string, extra: Extra): Promise<Reputation | null> {
    let resolve!: (r: Reputation | null) => void;
    const promise = new Promise<Reputation | null>((r) => (resolve = r));
    this.m.set(ip, { ...extra, promise, resolve });
    return promise;
  }

  /** Settles the look-up of `ip` (when pending) with `r`. */
  finish(ip: string, r: Reputation | null): void {
    const w = this.m.get(ip);
    if (w === undefined) return;
    this.m.delete(ip);
    w.resolve(r);
  }

  /** Settles every pending look-up with null. */
  finishAll(): void {
    for (const ip of [...this.m.keys()]) this.finish(ip, null);
  }

  /** Waits until no look-up is pending, at most `ms` by the clock `now` (see untilNonePending); false when some are left. */
  drain(ms: number, now: () => number = Date.now): Promise<boolean> {
    return untilNonePending(
      () => this.m.size,
      () => Promise.allSettled([...this.m.values()].map((w) => w.promise)),
      ms,
      now,
    );
  }
}

/**
 * Waits until `pending()` is 0, at most `ms` by the clock `now`: each round
 * waits for `progress()` (settles when the current look-ups have, or when the
 * last one has) or 50 ms, whichever comes first, since new ones may join.
 * False when some are left at the deadline.
 */
export async function untilNonePending(pending: () => number, progress: () => Promise<unknown>, ms: number, now: () => number = Date.now): Promise<boolean> {
  const deadline = now() + ms;
  while (pending() > 0) {
    const left = deadline - now();
    if (left <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<void>((r) => (timer = setTimeout(r, Math.min(left, 50))));
    await Promise.race([progress(), tick]);
    clearTimeout(timer);
  }
  return true;
}
