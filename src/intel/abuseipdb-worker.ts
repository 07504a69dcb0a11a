/**
 * Worker-thread side of AbuseIpdbThread (abuseipdb-thread.ts): runs the
 * AbuseIPDB client and its SQLite cache, so HTTP, JSON parsing, validation
 * and cache writes never take CPU time on the packet thread. Look-ups arrive
 * in batches; answers go back in batches, one message per turn of this
 * thread's event loop, each with the client's counters.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AbuseIpdbClient } from './abuseipdb.js';
import type { FromWorker, ToWorker, WorkerSetup } from './abuseipdb-thread.js';
import { type Reputation, ReputationCache } from './cache.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const post = (m: FromWorker): void => port.postMessage(m);

let cache: ReputationCache;
let client: AbuseIpdbClient;
try {
  cache = new ReputationCache(setup.cacheTtlMs, setup.cacheSize, setup.cacheFile);
  client = new AbuseIpdbClient({ ...setup.client, cache, log: (msg) => post({ kind: 'log', msg }) });
  await client.warmUp();
} catch (e) {
  post({ kind: 'failed', message: (e as Error).message });
  process.exit(1);
}
post({ kind: 'ready', preload: cache.fresh() });

const ips: string[] = [];
const reps: Array<Reputation | null> = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  post({ kind: 'answers', ips: ips.splice(0), reps: reps.splice(0), stats: client.stats(), saturated: client.saturated });
}

function answered(ip: string, r: Reputation | null): void {
  ips.push(ip);
  reps.push(r);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flush);
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'lookup') {
    for (const ip of m.ips) void client.check(ip).then((r) => answered(ip, r));
  } else if (m.kind === 'abandon') {
    client.abandon();
  } else {
    client.close();
    cache.close();
    // The answers of the abandoned look-ups (null) settle first, then go out with the last batch.
    setImmediate(() => {
      if (ips.length > 0) flush();
      post({ kind: 'closed' });
    });
  }
});
