/**
 * Worker-thread side of AbuseIpdbThread (abuseipdb-thread.ts): runs the
 * AbuseIPDB client and its SQLite cache, so HTTP, JSON parsing, validation
 * and cache writes never take CPU time on the packet thread. Look-ups arrive
 * in batches, as address keys and words: special-purpose addresses are
 * answered SPECIAL here and never sent, the others are written as text and
 * checked (cache, then request). Answers go back in batches, one message per
 * turn of this thread's event loop, each with the client's counters.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AbuseIpdbClient } from './abuseipdb.js';
import type { FromWorker, ToWorker, WorkerSetup } from './abuseipdb-thread.js';
import { ReputationCache } from './cache.js';
import { type Answer, SPECIAL } from './lookups.js';
import { specialBlockWords } from './reserved.js';
import { isV6Key } from '../util/addr-key.js';
import { formatIPv4, formatIPv6Words } from '../util/format.js';

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

const keys: number[] = [];
const answers: Answer[] = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  post({ kind: 'answers', keys: keys.splice(0), answers: answers.splice(0), stats: client.stats(), saturated: client.saturated });
}

function answered(key: number, a: Answer): void {
  keys.push(key);
  answers.push(a);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flush);
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'lookup') {
    for (let i = 0; i < m.keys.length; i++) {
      const key = m.keys[i]!;
      const w = m.words.slice(4 * i, 4 * i + 4);
      if (specialBlockWords(w) !== undefined) {
        answered(key, SPECIAL);
        continue;
      }
      const ip = isV6Key(key) ? formatIPv6Words(w) : formatIPv4(w[3]!);
      void client.check(ip).then((r) => answered(key, r));
    }
  } else if (m.kind === 'abandon') {
    client.abandon();
  } else {
    client.close();
    cache.close();
    // The answers of the abandoned look-ups (null) settle first, then go out with the last batch.
    setImmediate(() => {
      if (keys.length > 0) flush();
      post({ kind: 'closed' });
    });
  }
});
