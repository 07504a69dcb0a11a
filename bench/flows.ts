/**
 * Flow benchmark: decode + flow table + all features, every flow written to a
 * CSV file as `wirewatch read FILE --flows out.csv` does, in packets/s, next
 * to `ndpiReader -i FILE -C out.csv` (which also writes a CSV of its flows) on
 * the same file in the same run; and bytes per active flow, measured on a
 * table holding many concurrent flows (heap + array buffers, after GC when --expose-gc).
 *
 * Standalone: node --expose-gc dist/bench/flows.js [FILE]
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RawFrame } from '../src/capture/frame.js';
import { Decoder } from '../src/decode/decoder.js';
import { Packet } from '../src/decode/packet.js';
import { flowOptions } from '../src/flow/options.js';
import { FlowStage } from '../src/flow/stage.js';
import { FlowFileWriter } from '../src/flow/writer.js';
import { frameOf } from '../test/flow/craft.js';
import { best, runStages, type BenchModule, type BenchRow } from './harness.js';

function ndpiSeconds(path: string): number {
  const out = '/tmp/wirewatch-bench-ndpi.csv';
  const t0 = process.hrtime.bigint();
  const r = spawnSync('ndpiReader', ['-i', path, '-C', out], { stdio: 'ignore' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  rmSync(out, { force: true });
  return r.status === 0 ? s : 0;
}

/** Decode + flows + features (`run` runs the pipeline with the given stages), flows written to a CSV file (removed after); returns flows written. */
async function flowsToCsv(run: (stages: FlowStage[]) => Promise<unknown>): Promise<number> {
  const out = `/tmp/wirewatch-bench-flows.${process.pid}.csv`;
  const opts = flowOptions('default');
  const stage = new FlowStage(opts);
  const writer = new FlowFileWriter(out, opts.label);
  await writer.ready();
  stage.addSink((rec) => writer.write(rec));
  stage.onAfterTick(() => writer.flush());
  await run([stage]);
  await writer.close();
  rmSync(out, { force: true });
  return writer.written;
}

/** Bytes per active flow: `n` concurrent UDP flows held in the table. */
export function bytesPerFlow(n = 200_000): { flows: number; bytesPerFlow: number; storeBytesPerFlow: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  const stage = new FlowStage(flowOptions('default', { maxFlows: n + 1 }));
  const dec = new Decoder();
  const pkt = new Packet();
  const fr = new RawFrame();
  gc?.();
  const m0 = process.memoryUsage();
  for (let i = 0; i < n; i++) {
    const data = frameOf({ t: 0, src: [10, (i >>> 16) & 255, (i >>> 8) & 255, i & 255], dst: [192, 0, 2, 1], sport: 1024 + (i % 60000), dport: 53, proto: 'udp', payload: 20 });
    fr.n = i + 1;
    fr.tsSec = 1_600_000_000;
    fr.tsNsec = i;
    fr.origLen = fr.capLen = data.length;
    fr.data = data;
    dec.decode(fr, pkt);
    stage.onPacket(pkt);
  }
  gc?.();
  const m1 = process.memoryUsage();
  const used = m1.heapUsed + m1.arrayBuffers - (m0.heapUsed + m0.arrayBuffers);
  const flows = stage.store.size;
  return { flows, bytesPerFlow: used / flows, storeBytesPerFlow: stage.store.bytesAllocated / flows };
}

export const flowsBench: BenchModule = async (ctx) => {
  const rows: BenchRow[] = [];
  for (const f of ctx.files) {
    let flows = 0;
    const s = await ctx.best(async () => {
      flows = await flowsToCsv((stages) => ctx.runStages(f, stages));
    });
    rows.push({ file: f.name, name: 'wirewatch decode + flows + features', packets: f.packets, seconds: s, note: `${flows} flows written to CSV` });
    const nd = await ctx.best(() => {
      const t = ndpiSeconds(f.path);
      if (t === 0) throw new Error('ndpiReader failed');
    });
    rows.push({ file: f.name, name: 'ndpiReader -i F -C out.csv', packets: f.packets, seconds: nd });
  }
  const m = bytesPerFlow();
  rows.push({
    file: `${m.flows} concurrent flows`,
    name: 'wirewatch bytes per active flow',
    packets: 0,
    seconds: 0,
    note: `${Math.round(m.bytesPerFlow)} B/flow measured (heap + array buffers), ${Math.round(m.storeBytesPerFlow)} B/flow in slabs/index`,
  });
  return rows;
};

async function main(): Promise<void> {
  const path = process.argv[2] ?? new URL('../../../shared/corpus/zeek/echo-connections.pcap', import.meta.url).pathname;
  const count = spawnSync('capinfos', ['-c', '-M', path], { encoding: 'utf8' }).stdout.match(/Number of packets:\s+(\d+)/);
  const packets = count ? Number(count[1]) : 0;
  let flows = 0;
  const ours = await best(async () => {
    flows = await flowsToCsv((stages) => runStages(path, stages));
  });
  const nd = await best(() => void ndpiSeconds(path));
  const m = bytesPerFlow();
  console.log(`file: ${path} (${packets} packets)`);
  console.log(`wirewatch decode+flows+features -> CSV: ${ours.toFixed(3)} s, ${Math.round(packets / ours).toLocaleString('en-US')} packets/s (${flows} flows)`);
  console.log(`ndpiReader -i F -C out.csv:      ${nd.toFixed(3)} s, ${Math.round(packets / nd).toLocaleString('en-US')} packets/s`);
  console.log(`bytes per active flow (${m.flows} flows): ${Math.round(m.bytesPerFlow)} measured, ${Math.round(m.storeBytesPerFlow)} in slabs/index`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
