/**
 * Detection cost, same file, same run: the full pipeline (decode + flows)
 * with detection off vs on (all default detectors), and with AbuseIPDB
 * look-ups against a local server that answers after 200 ms vs the same run
 * without intel. Packet throughput is timed from the first to the last packet
 * (end-of-input draining of look-ups is reported apart).
 *
 *   node dist/bench/detect.js [capture] [intel-capture] [rounds]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openCaptureFile } from '../src/capture/open.js';
import type { Packet } from '../src/decode/packet.js';
import { buildDetectors } from '../src/detect/build.js';
import { defaultDetectConfig, type DetectConfig } from '../src/detect/config.js';
import { DetectStage } from '../src/detect/stage.js';
import { EventBus } from '../src/events.js';
import { flowOptions } from '../src/flow/options.js';
import { FlowStage } from '../src/flow/stage.js';
import { Pipeline, type Stage } from '../src/pipeline.js';
import { FakeAbuseIpdb } from '../test/intel/abuseipdb-server.js';

const file = resolve(process.argv[2] ?? '../shared/datasets/lab/lab-mixed.pcap');
const intelFile = resolve(process.argv[3] ?? '../shared/corpus/nfstream/tor.pcap');
const rounds = Number(process.argv[4] ?? 3);

/** Records when the first and last packet passed (the packet path's own time). */
class Clock implements Stage {
  readonly name = 'clock';
  first = 0;
  last = 0;
  n = 0;
  onPacket(_p: Packet): void {
    const t = performance.now();
    if (this.n++ === 0) this.first = t;
    this.last = t;
  }
}

interface Result {
  pps: number;
  packets: number;
  alerts: number;
  endMs: number;
}

async function run(path: string, cfg: DetectConfig | null, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const bus = new EventBus();
  let alerts = 0;
  bus.on('alert', () => alerts++);
  const flows = new FlowStage(flowOptions());
  flows.addSink((r) => bus.emit('flow', r));
  const clock = new Clock();
  const stages: Stage[] = [flows];
  let detect: DetectStage | null = null;
  if (cfg !== null) {
    detect = new DetectStage(buildDetectors(cfg, { log: () => {}, env, watchLists: false }), { bus, mtu: 1500, suppress: cfg.suppress, log: () => {} });
    stages.push(detect);
  }
  stages.push(clock);
  const src = await openCaptureFile(path);
  const t0 = performance.now();
  await new Pipeline(src, stages).run();
  const endMs = performance.now() - Math.max(t0, clock.last);
  await detect?.close();
  return { pps: clock.n / ((clock.last - clock.first) / 1000), packets: clock.n, alerts, endMs };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const best = (rs: Result[]): Result => rs.reduce((a, b) => (b.pps > a.pps ? b : a));

async function main(): Promise<void> {
  const cfg = defaultDetectConfig();
  const off: Result[] = [];
  const on: Result[] = [];
  for (let i = 0; i < rounds; i++) {
    off.push(await run(file, null));
    on.push(await run(file, cfg));
  }
  const bOff = best(off);
  const bOn = best(on);
  console.log(`file: ${file} (${fmt(bOff.packets)} packets), best of ${rounds} alternating rounds`);
  console.log(`| run | packets/s | alerts |`);
  console.log(`| --- | ---: | ---: |`);
  console.log(`| decode + flows, detection off | ${fmt(bOff.pps)} | - |`);
  console.log(`| decode + flows + all default detectors | ${fmt(bOn.pps)} | ${bOn.alerts} |`);
  console.log(`detection cost: ${((1 - bOn.pps / bOff.pps) * 100).toFixed(1)} % slower (target <= 25 %)`);

  // Intel: a local AbuseIPDB that answers after 200 ms, on a capture with thousands of public sources.
  const server = new FakeAbuseIpdb();
  await server.start();
  server.delayMs = 200;
  const intelCfg = defaultDetectConfig();
  intelCfg.intel.abuseipdb.cacheDb = join(mkdtempSync(join(tmpdir(), 'wwdet-bench-')), 'cache.sqlite');
  intelCfg.intel.abuseipdb.timeoutMs = 1000;
  intelCfg.intel.abuseipdb.dailyBudget = 1_000_000;
  const env = { ABUSEIPDB_API_KEY: server.validKey, ABUSEIPDB_URL: server.url };
  const noIntel: Result[] = [];
  const withIntel: Result[] = [];
  for (let i = 0; i < rounds; i++) {
    noIntel.push(await run(intelFile, cfg));
    // A fresh cache each round so every address is a new look-up.
    intelCfg.intel.abuseipdb.cacheDb = join(mkdtempSync(join(tmpdir(), 'wwdet-bench-')), 'cache.sqlite');
    withIntel.push(await run(intelFile, intelCfg, env));
  }
  await server.stop();
  const nI = best(noIntel);
  const wI = best(withIntel);
  console.log(`\nintel file: ${intelFile} (${fmt(nI.packets)} packets); server answers after 200 ms; ${server.requests.length} requests over ${rounds} rounds`);
  console.log(`| run | packets/s | end-of-input wait |`);
  console.log(`| --- | ---: | ---: |`);
  console.log(`| default detectors, no intel | ${fmt(nI.pps)} | ${fmt(nI.endMs)} ms |`);
  console.log(`| default detectors + AbuseIPDB (200 ms answers) | ${fmt(wI.pps)} | ${fmt(wI.endMs)} ms |`);
  console.log(`intel cost on the packet path: ${((1 - wI.pps / nI.pps) * 100).toFixed(1)} % (target <= 5 %)`);
}

await main();
