/**
 * The local AbuseIPDB of bench/detect.ts, run as a child process so the
 * server's own CPU time is not charged to the wirewatch process being
 * measured (a real reputation service runs elsewhere).
 *
 * Messages: parent → { delayMs, abusive: string[] } once, then "stop";
 * child → { url, validKey } when listening, { requests } on "stop".
 */
import { FakeAbuseIpdb } from '../test/intel/abuseipdb-server.js';

interface Setup {
  delayMs: number;
  abusive: string[];
}

const server = new FakeAbuseIpdb();
process.on('message', (m: Setup | 'stop') => {
  if (m === 'stop') {
    process.send!({ requests: server.requests.length }, () => void server.stop().then(() => process.exit(0)));
    return;
  }
  server.delayMs = m.delayMs;
  for (const ip of m.abusive) server.scores.set(ip, 90);
  void server.start().then(() => process.send!({ url: server.url, validKey: server.validKey }));
});
// A bench that died without saying "stop" must not leave this server running (it would also hold the bench's stdout open).
process.on('disconnect', () => process.exit(0));
