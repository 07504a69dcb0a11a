/**
 * The worker thread of ThreadedDetectors (threaded-detectors.ts): runs the
 * DNS, port-scan and flood detectors over the records the packet thread writes
 * in the shared ring, in order, and sends their alerts back (with the event
 * number each belongs to) before it publishes its progress, so the packet
 * thread that sees the progress finds the alerts.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Packet } from '../../decode/packet.js';
import { consumeRing, serveJobs } from '../../util/ring-thread.js';
import type { DetectConfig } from '../config.js';
import type { Alert, DetectContext, Detector } from '../detector.js';
import { FloodDetector } from '../flood.js';
import { PortScanDetector } from '../portscan.js';
import { Suppressor } from '../suppress.js';
import { Rec, RecordFlowRef, SLOT_WORDS, readPacket, recordEvent, recordSec, recordSlots, recordType } from './record.js';
import { C_POSTED, type ThreadAlert, sharedViews } from './threaded-detectors.js';
import { DnsDetector } from '../dns.js';
import { DnsModel } from '../dns-model.js';

/** DNS models by file, loaded once per worker (a reused worker serves many runs). */
const models = new Map<string, DnsModel>();

function model(file: string): DnsModel {
  let m = models.get(file);
  if (m === undefined) {
    m = DnsModel.fromFile(file);
    models.set(file, m);
  }
  return m;
}

/** What the worker is started with (or sent, when reused). */
export interface DetectWorkerJob {
  buf: SharedArrayBuffer;
  slots: number;
  mtu: number;
  dns: DetectConfig['dns'] | null;
  dnsModel: string | null;
  portscan: DetectConfig['portscan'] | null;
  flood: DetectConfig['flood'] | null;
  /** Alerts, counters and log lines go back through it. */
  port: MessagePort;
}

/** What the worker sends back. */
export type DetectWorkerMessage =
  | { alerts: ThreadAlert[] }
  | { stats: Record<string, number> }
  | { log: string };

function run(job: DetectWorkerJob): void {
  const v = sharedViews(job.buf, job.slots);
  const { u, f, b } = v;
  const mask = job.slots - 1;
  const port = job.port;
  // In the packet thread's order (build.ts): alerts of one event go out in this order.
  const dets: Detector[] = [];
  if (job.dns !== null) dets.push(new DnsDetector(job.dns, job.dnsModel === null ? null : model(job.dnsModel)));
  if (job.portscan !== null) dets.push(new PortScanDetector(job.portscan));
  if (job.flood !== null) dets.push(new FloodDetector(job.flood));
  const d0 = dets[0] ?? null;
  const d1 = dets[1] ?? null;
  const d2 = dets[2] ?? null;
  let batch: ThreadAlert[] = [];
  /** Index of the detector running. */
  let det = 0;
  const ctx: DetectContext & { event: number } = {
    event: 0,
    mtu: job.mtu,
    alert: (a: Alert) => void batch.push({ event: ctx.event, det, alert: a }),
    suppressionKey: (track, sigId) => Suppressor.key(track, sigId),
    // Suppression is the packet thread's (the stage applies it to these alerts as they arrive).
    suppressed: () => false,
    log: (msg) => post({ log: msg }),
  };
  const pkt = new Packet();
  const ref = new RecordFlowRef(pkt);
  /** Posts a message, then counts it (the packet thread reads the port only while the count is ahead). */
  function post(m: DetectWorkerMessage): void {
    port.postMessage(m);
    Atomics.add(v.ctl, C_POSTED, 1);
  }

  consumeRing(v.ctl, (from, to) => {
    for (let i = from; ((i - to) | 0) < 0; ) {
      const o = (i & mask) * SLOT_WORDS;
      const type = recordType(u, o);
      // Padding and counter requests carry no event.
      if (type !== Rec.Pad && type !== Rec.Stats) ctx.event = recordEvent(f, o);
      if (type === Rec.Packet) {
        readPacket(u, f, b, o, pkt, ref);
        det = 0;
        d0?.onPacket(pkt, ctx);
        det = 1;
        d1?.onPacket(pkt, ctx);
        det = 2;
        d2?.onPacket(pkt, ctx);
      } else if (type === Rec.Tick) {
        for (det = 0; det < dets.length; det++) dets[det]!.onTick?.(recordSec(f, o), ctx);
      } else if (type === Rec.End) {
        for (det = 0; det < dets.length; det++) void dets[det]!.onEnd?.(recordSec(f, o), ctx);
      }
      // The counters go back on request, and after the end (they are read there once the worker is done).
      if (type === Rec.Stats || type === Rec.End) {
        const stats: Record<string, number> = {};
        for (const d of dets) for (const [k, n] of Object.entries(d.stats())) stats[`${d.name}.${k}`] = n;
        post({ stats });
      }
      i = (i + recordSlots(u, o)) | 0;
    }
    // Alerts before progress: a reader that sees the progress finds them.
    if (batch.length > 0) {
      post({ alerts: batch });
      batch = [];
    }
    v.done[0] = ctx.event;
  });
  port.close();
}

serveJobs<DetectWorkerJob>(run, parentPort, workerData);
