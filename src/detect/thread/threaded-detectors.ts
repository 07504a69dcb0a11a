/**
 * The DNS, port-scan and flood detectors in a worker thread. They keep the
 * largest per-packet state of the default rule set (a table of connection
 * attempts each, megabytes probed at random on every SYN; per-domain and
 * per-client windows, names scored by the DNS model); here the packet thread
 * only writes what they read of a packet (record.ts) into a ring in shared
 * memory (util/ring-thread.ts), and the worker (worker.ts) runs the same
 * detector classes over it, in order.
 *
 * Exactness: every record carries the stage's event number (packet, tick,
 * end of input), and so does every alert the worker sends back. The stage
 * (stage.ts) publishes alerts of all detectors in (event, detector position)
 * order, holding the other detectors' alerts until the worker has passed
 * their event, so the alert stream is the one the detectors would give on
 * the packet thread, whatever the timing. Reading the counters (`stats`)
 * and the end of input wait for the worker to catch up.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { Packet } from '../../decode/packet.js';
import { RING_CONTROL_WORDS, RingProducer, WorkerPool } from '../../util/ring-thread.js';
import type { DetectConfig } from '../config.js';
import type { Alert, DetectContext, Detector } from '../detector.js';
import { MAX_RECORD_SLOTS, Rec, SLOT_WORDS, packetSlots, wanted, writeControl, writePacket } from './record.js';
import type { DetectWorkerJob, DetectWorkerMessage } from './worker.js';

/**
 * Ring slots: the worker may lag this far behind (a power of two, a multiple
 * of QUEUE). Bursts of DNS records (which the worker decodes and scores)
 * put it behind for a while: with 4,096 slots the packet thread had to wait
 * for it about 15 times per run of the bench's capture, with 16,384 (1 MiB)
 * once or twice.
 */
const SLOTS = 16384;
/** Slots written between two publications. */
const QUEUE = 256;

/** Control word after the ring's own: messages the worker has posted (so the packet thread asks the port only when one waits). */
export const C_POSTED = RING_CONTROL_WORDS;
const CONTROL_WORDS = RING_CONTROL_WORDS + 2;
/**
 * Bytes before the ring: control words, then the last event the worker
 * finished (a double), padded to a cache line so that each 64-byte slot is
 * one line (at 48 bytes every slot straddled two, and slot 0 shared the
 * control words' line).
 */
const HEADER_BYTES = 64;
if (CONTROL_WORDS * 4 + 8 > HEADER_BYTES) throw new Error('threaded-detectors: header too small');

/** The views of the shared memory both sides use: control words, the last event the worker finished, the ring. */
export function sharedViews(buf: SharedArrayBuffer, slots: number): { ctl: Int32Array; done: Float64Array; u: Uint32Array; f: Float64Array; b: Uint8Array } {
  const ring = HEADER_BYTES;
  return {
    ctl: new Int32Array(buf, 0, CONTROL_WORDS),
    done: new Float64Array(buf, CONTROL_WORDS * 4, 1),
    u: new Uint32Array(buf, ring, slots * SLOT_WORDS),
    f: new Float64Array(buf, ring, (slots * SLOT_WORDS) / 2),
    b: new Uint8Array(buf, ring, slots * SLOT_WORDS * 4),
  };
}

/** What runs in the worker: each detector's config (null: off) and the DNS model's file. */
export interface ThreadedDetectorsConfig {
  dns: DetectConfig['dns'] | null;
  /** The DNS model's file (null: no DGA scoring). */
  dnsModel: string | null;
  portscan: DetectConfig['portscan'] | null;
  flood: DetectConfig['flood'] | null;
  mtu?: number;
}

const pool = new WorkerPool<DetectWorkerJob>(new URL('./worker.js', import.meta.url), 2);

/** An alert from the worker, the event it belongs to and the detector that raised it (its index in the worker: DNS, port scans, floods as configured). */
export interface ThreadAlert {
  event: number;
  det: number;
  alert: Alert;
}

export class ThreadedDetectors implements Detector {
  readonly name = 'detector-thread';
  private readonly u: Uint32Array;
  private readonly f: Float64Array;
  private readonly b: Uint8Array;
  /** Whether DNS messages go along (the DNS detector runs in the worker). */
  private readonly dns: boolean;
  private readonly done: Float64Array;
  private readonly producer: RingProducer;
  private readonly port: MessagePort;
  /** Slots written so far (wrapping count), and how many more may be before the next publication. */
  private written = 0;
  private room = QUEUE;
  /** Alerts received from the worker, oldest first, not yet taken by the stage. */
  readonly received: ThreadAlert[] = [];
  private lastStats: Record<string, number> = {};
  /** Messages taken from the port so far (the worker counts those it posted in C_POSTED). */
  private taken = 0;
  private readonly ctl: Int32Array;
  private ended = false;
  private closed = false;
  /** Called after each publication (the stage releases alerts there). */
  onProgress: () => void = () => {};
  /** Log lines of the detectors in the worker. */
  log: (msg: string) => void = () => {};
  private readonly drain = (): void => this.collect();

  constructor(cfg: ThreadedDetectorsConfig) {
    const bytes = HEADER_BYTES + SLOTS * SLOT_WORDS * 4;
    const buf = new SharedArrayBuffer(bytes);
    const v = sharedViews(buf, SLOTS);
    this.u = v.u;
    this.f = v.f;
    this.b = v.b;
    this.dns = cfg.dns !== null;
    this.done = v.done;
    this.done[0] = -1;
    this.ctl = v.ctl;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const job: DetectWorkerJob = { buf, slots: SLOTS, mtu: cfg.mtu ?? 1500, dns: cfg.dns, dnsModel: cfg.dnsModel, portscan: cfg.portscan, flood: cfg.flood, port: port2 };
    const worker = pool.acquire(job, [port2]);
    this.producer = new RingProducer(v.ctl, SLOTS, worker, pool as WorkerPool<unknown>, 'the detectors\' thread');
  }

  onPacket(pkt: Packet, ctx: DetectContext): void {
    const l = pkt.innermost();
    if (!wanted(pkt, l, this.dns)) return;
    const n = packetSlots(pkt, l, this.dns);
    writePacket(this.u, this.f, this.b, this.reserve(n), n, ctx.event, pkt, l, this.dns);
    this.written = (this.written + n) | 0;
    this.room -= n;
  }

  onTick(tsSec: number, ctx: DetectContext): void {
    this.control(Rec.Tick, ctx.event, tsSec);
    // A tick is at most once per second of packet time: hand over what is queued, so alerts (of every detector) go out.
    this.publish();
  }

  /** End of input: the worker finishes every record, including the detectors' end (pending probes fail). */
  onEnd(tsSec: number, ctx: DetectContext): void {
    if (this.ended) return;
    this.control(Rec.End, ctx.event, tsSec);
    this.sync();
    this.ended = true;
  }

  /** The worker's detectors' counters, keyed "portscan.alerts" etc. (waits for the worker to reach this point). */
  stats(): Record<string, number> {
    if (this.ended || this.closed) return { ...this.lastStats };
    this.control(Rec.Stats, 0, 0);
    this.sync();
    return { ...this.lastStats };
  }

  /** The event number the worker has finished (every record up to it handled, its alerts received by `collect`). */
  finishedEvent(): number {
    return this.done[0]!;
  }

  /** True when the worker has handled every record written. */
  caughtUp(): boolean {
    return this.producer.pending(this.written) === 0 && this.room === QUEUE;
  }

  /** Moves the worker's messages into `received` (alerts) and the counters, without waiting. */
  collect(): void {
    // Asking the port costs microseconds; the count says whether anything waits.
    const posted = Atomics.load(this.ctl, C_POSTED);
    while (this.taken !== posted) {
      const m = receiveMessageOnPort(this.port);
      if (m === undefined) return;
      this.taken = (this.taken + 1) | 0;
      const msg = m.message as DetectWorkerMessage;
      if ('alerts' in msg) for (const a of msg.alerts) this.received.push(a);
      else if ('stats' in msg) this.lastStats = msg.stats;
      else this.log(msg.log);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.producer.close();
    this.port.close();
  }

  /** Word offset of `n` free slots, padding to the ring's start when they would straddle its end. */
  private reserve(n: number): number {
    let p = this.written & (SLOTS - 1);
    const pad = p + n > SLOTS ? SLOTS - p : 0;
    if (this.room < pad + n) this.publish(pad + n);
    if (pad > 0) {
      writeControl(this.u, this.f, p * SLOT_WORDS, Rec.Pad, pad, 0, 0);
      this.written = (this.written + pad) | 0;
      this.room -= pad;
      p = 0;
    }
    return p * SLOT_WORDS;
  }

  private control(type: number, event: number, tsSec: number): void {
    if (this.closed) throw new Error('ThreadedDetectors: used after close()');
    writeControl(this.u, this.f, this.reserve(1), type, 1, event, tsSec);
    this.written = (this.written + 1) | 0;
    this.room--;
  }

  /** Hands the written records to the worker (waiting for room for QUEUE more, or `need`), then lets the stage release alerts. */
  private publish(need = QUEUE): void {
    const room = need > QUEUE ? need : QUEUE;
    this.producer.publish(this.written, room, this.drain);
    this.room = room;
    this.collect();
    this.onProgress();
  }

  /** Publishes and waits until the worker has handled everything written, with its messages collected. */
  private sync(): void {
    this.producer.publish(this.written, QUEUE, this.drain);
    this.room = QUEUE;
    this.producer.waitFor(this.written, this.drain);
    this.collect();
  }
}

/** The ring must hold the largest record twice (a record and the padding before it) beside a queue. */
if (SLOTS < 2 * MAX_RECORD_SLOTS + QUEUE || SLOTS % QUEUE !== 0) throw new Error('threaded-detectors: ring sizes');
