/**
 * Work handed from the packet thread to one worker thread through a ring of
 * fixed-size slots in shared memory (single producer, single consumer), and
 * the pool that keeps such workers for the next ring. The monitor's TCP
 * analysis (monitor/tcp-analyzer.ts) and the connection-state detectors
 * (detect/thread/) run this way: on a machine with a spare core the packet
 * thread pays only for writing the slots.
 *
 * Protocol: the producer writes slots, then publishes its write count
 * (C_WRITE) every so many slots; the consumer handles the slots below it and
 * publishes its read count (C_READ). Counts wrap at 2^32 and are compared as
 * differences. Both are Atomics (sequentially consistent), which orders the
 * plain reads and writes of the slots, and of any results the consumer
 * writes before C_READ, around them.
 *
 * Wake-ups: a busy consumer polls every POLL_MS instead of being woken (a
 * wake-up costs the waker several µs: an interrupt to the other core, in a
 * VM a VM exit); after IDLE_POLLS empty polls it sleeps and sets C_SLEEPING,
 * and only then does the producer notify.
 */
import { type MessagePort, Worker, type TransferListItem } from 'node:worker_threads';

// Control words (Int32, shared); users put their own after RING_CONTROL_WORDS.
/** Slots published to the consumer. */
export const C_WRITE = 0;
/** Slots the consumer has handled. */
export const C_READ = 1;
/** Set by the producer's close(): the consumer ends once it has handled everything published. */
export const C_CLOSE = 2;
/** Set by the consumer when its handler threw (the message goes to the worker's `error` event). */
export const C_FAILED = 3;
/** 1 while the consumer sleeps until notified; else it polls and needs no wake-up. */
export const C_SLEEPING = 4;
/** Control words of the protocol; a user's own words start here. */
export const RING_CONTROL_WORDS = 8;

const POLL_MS = 1;
const IDLE_POLLS = 100;
/** Longest wait for the consumer's progress before it is declared stuck (ms). */
const STUCK_MS = 30_000;

/** Terminates the worker of a producer that was never closed, once the producer is garbage. */
const orphans = new FinalizationRegistry<Worker>((w) => void w.terminate());

/**
 * Workers whose producer closed, kept for the next one: a new worker takes
 * tens of ms of CPU to start and runs unoptimised until its JIT has warmed
 * up, which a process that runs one pipeline after another (the benches, the
 * tests) would pay again for every run. The worker script takes its first
 * job from workerData and the next ones as messages (see `serveRings`).
 */
export class WorkerPool<D> {
  private readonly idle: Worker[] = [];

  constructor(
    private readonly script: URL,
    private readonly maxIdle: number,
  ) {}

  /** A worker running `data`: an idle one, or a new one. */
  acquire(data: D, transfer: readonly TransferListItem[] = []): Worker {
    const w = this.idle.pop();
    if (w !== undefined) {
      w.postMessage(data, transfer);
      return w;
    }
    const fresh = new Worker(this.script, { workerData: data, transferList: [...transfer] });
    fresh.unref();
    // A worker that failed or exited is never reused.
    const drop = (): void => {
      const i = this.idle.indexOf(fresh);
      if (i >= 0) this.idle.splice(i, 1);
    };
    fresh.on('error', drop);
    fresh.on('exit', drop);
    return fresh;
  }

  /** Takes back the worker of a closed producer (it has ended its loop and waits for the next job). */
  release(w: Worker): void {
    if (this.idle.length < this.maxIdle) this.idle.push(w);
    else void w.terminate();
  }
}

/**
 * The packet thread's side: publishing, waiting for the consumer (with the
 * worker's failure reported as an Error), closing.
 */
export class RingProducer {
  private failure: unknown = null;
  private closed = false;
  private readonly onError = (e: unknown): void => {
    this.failure = e;
  };
  private readonly onExit = (code: number): void => {
    this.failure ??= new Error(`it exited (code ${code})`);
  };

  /**
   * `ctl`: the shared control words; `slots`: the ring's size; `what`: names
   * the work in errors ("TcpAnalyzer: the analysis thread failed: ...").
   */
  constructor(
    readonly ctl: Int32Array,
    private readonly slots: number,
    private readonly worker: Worker,
    private readonly pool: WorkerPool<unknown>,
    private readonly what: string,
  ) {
    // A failure is reported by the next wait.
    worker.on('error', this.onError);
    worker.on('exit', this.onExit);
    orphans.register(this, worker, this);
  }

  /**
   * Publishes `written` slots, then returns once `room` more can be written
   * (the consumer has handled all but ring size − room of them), calling
   * `whileWaiting` while it waits.
   */
  publish(written: number, room: number, whileWaiting: () => void): void {
    const ctl = this.ctl;
    Atomics.store(ctl, C_WRITE, written);
    if (Atomics.load(ctl, C_SLEEPING) !== 0) Atomics.notify(ctl, C_WRITE);
    const limit = (written + room - this.slots) | 0;
    if (((Atomics.load(ctl, C_READ) - limit) | 0) < 0) this.waitFor(limit, whileWaiting);
  }

  /** Slots the consumer has not handled yet, of `written`. */
  pending(written: number): number {
    return (written - Atomics.load(this.ctl, C_READ)) | 0;
  }

  /**
   * Waits until the consumer has handled `count` slots, calling
   * `whileWaiting` meanwhile (e.g. to drain results the consumer waits to
   * hand over). Throws when the worker failed or made no progress for STUCK_MS.
   */
  waitFor(count: number, whileWaiting: () => void): void {
    const ctl = this.ctl;
    let last = Atomics.load(ctl, C_READ);
    let since = Date.now();
    for (;;) {
      this.check();
      whileWaiting();
      const read = Atomics.load(ctl, C_READ);
      if (((read - count) | 0) >= 0) return;
      if (read !== last) {
        last = read;
        since = Date.now();
      } else if (Date.now() - since > STUCK_MS) throw new Error(`${this.what} made no progress for ${STUCK_MS / 1000} s`);
      // Woken by the consumer's next batch; the time-out bounds a missed wake-up.
      Atomics.notify(ctl, C_WRITE);
      Atomics.wait(ctl, C_READ, read, 1);
    }
  }

  /** Throws when the worker failed. */
  check(): void {
    if (Atomics.load(this.ctl, C_FAILED) !== 0 || this.failure !== null) throw new Error(`${this.what} failed: ${String(this.failure ?? 'see its error')}`);
  }

  /** Ends the consumer's loop on this ring (call after waiting for what it must handle) and returns its worker to the pool. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctl, C_CLOSE, 1);
    Atomics.notify(this.ctl, C_WRITE);
    orphans.unregister(this);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
    if (this.failure === null) this.pool.release(this.worker);
  }
}

/**
 * The worker's side: hands the slot counts [from, to) published on `ctl` to
 * `handle` as they come (counts, not indices: slot i is at i & (size - 1)),
 * then publishes its read count; returns when the producer closes the ring.
 * `handle` throwing marks the ring failed (C_FAILED) and propagates.
 */
export function consumeRing(ctl: Int32Array, handle: (from: number, to: number) => void): void {
  let read = Atomics.load(ctl, C_READ);
  let idle = 0;
  try {
    for (;;) {
      const end = Atomics.load(ctl, C_WRITE);
      if (end === read) {
        if (Atomics.load(ctl, C_CLOSE) !== 0) return;
        if (++idle < IDLE_POLLS) Atomics.wait(ctl, C_WRITE, read, POLL_MS);
        else {
          // The flag first, then the check inside wait: a publication after the flag is seen, or it notifies.
          Atomics.store(ctl, C_SLEEPING, 1);
          Atomics.wait(ctl, C_WRITE, read, 1000);
          Atomics.store(ctl, C_SLEEPING, 0);
        }
        continue;
      }
      idle = 0;
      handle(read, end);
      read = end;
      Atomics.store(ctl, C_READ, read);
      Atomics.notify(ctl, C_READ);
    }
  } catch (e) {
    Atomics.store(ctl, C_FAILED, 1);
    Atomics.notify(ctl, C_READ);
    throw e;
  }
}

/**
 * A worker script's job loop: the first job comes in workerData, the next
 * ones (once the pool hands the worker to another producer) as messages,
 * each handled after the previous one returned.
 */
export function serveJobs<D>(run: (job: D) => void, port: MessagePort | null, first: unknown): void {
  port?.on('message', (job: D) => run(job));
  run(first as D);
}
