/**
 * The worker thread of a threaded TcpAnalyzer (tcp-analyzer.ts): analyses
 * the segments the packet thread publishes in the shared ring, in order,
 * writing the results into shared memory and the RTT samples, when someone
 * observes them, into the sample ring.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TcpAnalysisCore } from './tcp-analysis.js';
import { C_CLOSE, C_FAILED, C_READ, C_SAMPLE_READ, C_SAMPLE_WRITE, C_SLEEPING, C_WANT_SAMPLES, C_WRITE, sharedViews, type TcpWorkerData } from './tcp-analyzer.js';

/**
 * While segments keep coming the worker polls the ring every POLL_MS instead
 * of being woken by the packet thread (a wake-up costs the waker several µs:
 * an interrupt to this core, in a VM a VM exit). After IDLE_POLLS empty polls
 * it sleeps until notified (C_SLEEPING tells the packet thread to notify).
 */
const POLL_MS = 1;
const IDLE_POLLS = 100;

/** Analyses the ring of `data` until its analyzer closes it. */
function run(data: TcpWorkerData): void {
  const q = sharedViews(data.buf, data.ringSlots, data.sampleSlots);
  const { ctl, ring, ringWords, samples } = q;
  const ringMask = q.ringSlots - 1;
  const sampleMask = q.sampleSlots - 1;
  let read = Atomics.load(ctl, C_READ);
  let samplesWritten = Atomics.load(ctl, C_SAMPLE_WRITE);
  /** Empty polls in a row. */
  let idle = 0;

  /** Queues an RTT sample for the packet thread, waiting for room (it frees room whenever it waits for this thread). */
  const sample = (kind: number, seconds: number): void => {
    if (Atomics.load(ctl, C_WANT_SAMPLES) === 0) return;
    for (;;) {
      const freed = Atomics.load(ctl, C_SAMPLE_READ);
      if (((samplesWritten - freed) | 0) < q.sampleSlots) break;
      // Full: publish what is there and wake the packet thread, which drains samples while it waits for C_READ.
      Atomics.store(ctl, C_SAMPLE_WRITE, samplesWritten);
      Atomics.notify(ctl, C_READ);
      Atomics.wait(ctl, C_SAMPLE_READ, freed, 1);
    }
    const o = (samplesWritten & sampleMask) * 2;
    samples[o] = kind;
    samples[o + 1] = seconds;
    samplesWritten = (samplesWritten + 1) | 0;
  };

  const core = new TcpAnalysisCore(data.maxConnections, q.res, sample);
  try {
    for (;;) {
      const end = Atomics.load(ctl, C_WRITE);
      if (end === read) {
        if (Atomics.load(ctl, C_CLOSE) !== 0) break;
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
      for (; read !== end; read = (read + 1) | 0) core.analyse(ring, ringWords, read & ringMask);
      // Samples first: a reader that sees C_READ reach its count finds their samples published.
      Atomics.store(ctl, C_SAMPLE_WRITE, samplesWritten);
      Atomics.store(ctl, C_READ, read);
      Atomics.notify(ctl, C_READ);
    }
  } catch (e) {
    Atomics.store(ctl, C_FAILED, 1);
    Atomics.notify(ctl, C_READ);
    throw e;
  }
}

// A worker serves one analyzer at a time: the first from workerData, the next ones (once the
// previous one closed, tcp-analyzer.ts keeps idle workers) by message, handled after run returns.
parentPort?.on('message', (data: TcpWorkerData) => run(data));
run(workerData as TcpWorkerData);
