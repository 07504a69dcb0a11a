/**
 * CPU time of the calling thread, for benches whose work is split over
 * threads (the AbuseIPDB look-ups run in a worker thread): Node 20 has no
 * process.threadCpuUsage; Linux has /proc/thread-self/schedstat, whose first
 * field is the nanoseconds this thread has run on a CPU.
 *
 * The kernel adds a running thread's time to that field only at scheduler
 * events (a tick: 4 ms here), so a plain read lags by up to a tick, far too
 * coarse for 1 ms batches. getrusage(RUSAGE_SELF) (process.cpuUsage) brings
 * the calling thread's runtime up to date first (thread_group_cputime), so
 * each reading calls it and then reads the field: measured on this machine,
 * steps of 4 µs instead of 2-4 ms, at about 4 µs CPU per reading. The file
 * is opened once by the thread to measure (it names the thread that opens
 * it) and re-read from offset 0.
 */
import { openSync, readSync } from 'node:fs';

/** A clock of the thread that called it (ms on CPU), or null where /proc/thread-self is not available. */
export function threadCpuClock(): (() => number) | null {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
  const buf = Buffer.alloc(128);
  return () => {
    process.cpuUsage();
    const n = readSync(fd, buf, 0, buf.length, 0);
    let ns = 0;
    for (let i = 0; i < n; i++) {
      const c = buf[i]!;
      if (c < 48 || c > 57) break;
      ns = ns * 10 + (c - 48);
    }
    return ns / 1e6;
  };
}
