/**
 * The worker thread of a threaded TcpAnalyzer (tcp-analyzer.ts): analyses
 * the segments the packet thread publishes in the shared ring, in order
 * (util/ring-thread.ts runs the loop), writing the results into shared
 * memory and the RTT samples, when someone observes them, into the sample
 * ring; and feeds the top talkers and ports tables in shared memory, which
 * the packet thread reads once this thread has flushed them (a K_SYNC record).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { C_READ, consumeRing, serveJobs } from '../util/ring-thread.js';
import { TcpAnalysisCore } from './tcp-analysis.js';
import { HostTables } from './host-tables.js';
import { C_SAMPLE_READ, C_SAMPLE_WRITE, C_WANT_SAMPLES, sharedViews, type TcpWorkerData } from './tcp-analyzer.js';

/** Analyses the ring of `data` until its analyzer closes it. */
function run(data: TcpWorkerData): void {
  const q = sharedViews(data.buf, data.ringSlots, data.sampleSlots);
  const { ctl, ring, ringWords, samples } = q;
  const ringMask = q.ringSlots - 1;
  const sampleMask = q.sampleSlots - 1;
  let samplesWritten = Atomics.load(ctl, C_SAMPLE_WRITE);

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

  const core = new TcpAnalysisCore(data.maxConnections, q.res, sample, new HostTables(data.topCapacity, data.hostBufs));
  consumeRing(ctl, (from, to) => {
    core.analyseRange(ring, ringWords, from, to, ringMask);
    // Samples before progress: a reader that sees the progress reach its count finds their samples published.
    Atomics.store(ctl, C_SAMPLE_WRITE, samplesWritten);
  });
}

// A worker serves one analyzer at a time: the first from workerData, the next ones (once the
// previous one closed, the pool keeps idle workers) by message, handled after run returns.
serveJobs<TcpWorkerData>(run, parentPort, workerData);
