/**
 * Monitoring benchmark: the monitor stage on vs off, same looped files, same
 * run, measured twice: over decode alone (the stage's raw cost against the
 * cheapest possible pipeline) and over the default pipeline of `read` (decode
 * + flows + detection, what a user runs). Target (issue 7): ≤ 15%.
 */
import { buildDetectors } from '../src/detect/build.js';
import { defaultDetectConfig } from '../src/detect/config.js';
import { DetectStage } from '../src/detect/stage.js';
import { EventBus } from '../src/events.js';
import { flowOptions } from '../src/flow/options.js';
import { FlowStage } from '../src/flow/stage.js';
import { MonitorStage } from '../src/monitor/monitor-stage.js';
import type { Stage } from '../src/pipeline.js';
import type { BenchModule, BenchRow } from './harness.js';

function defaultPipeline(monitor: boolean): { stages: Stage[]; close(): Promise<void> } {
  const bus = new EventBus();
  const cfg = defaultDetectConfig();
  const flows = new FlowStage(flowOptions());
  flows.addSink((r) => bus.emit('flow', r));
  const detect = new DetectStage(buildDetectors(cfg, { log: () => {}, env: {}, watchLists: false }), { bus, mtu: 1500, suppress: cfg.suppress, log: () => {} });
  const stages: Stage[] = monitor ? [new MonitorStage(bus), flows, detect] : [flows, detect];
  return { stages, close: () => detect.close() };
}

/** Paired off/on rounds per row. */
const ROUNDS = 7;

export const monitorBench: BenchModule = async (ctx) => {
  const rows: BenchRow[] = [];
  for (const file of ctx.files) {
    for (const base of ['decode', 'default pipeline'] as const) {
      let packets = 0;
      const run = async (monitor: boolean): Promise<void> => {
        if (base === 'decode') packets = await ctx.runStages(file, monitor ? [new MonitorStage(null)] : []);
        else {
          const p = defaultPipeline(monitor);
          packets = await ctx.runStages(file, p.stages);
          await p.close();
        }
      };
      // Off and on alternate, the order flipped every round after an unrecorded warm-up pair, so
      // a change of machine load during the row biases neither side; the verdict is the median of
      // the per-round ratios (robust to one disturbed round), best vs best is shown beside it.
      await run(false);
      await run(true);
      const offs: number[] = [];
      const ons: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        if (i % 2 === 0) {
          offs.push(await ctx.best(() => run(false), 1));
          ons.push(await ctx.best(() => run(true), 1));
        } else {
          ons.push(await ctx.best(() => run(true), 1));
          offs.push(await ctx.best(() => run(false), 1));
        }
      }
      const off = Math.min(...offs);
      const on = Math.min(...ons);
      const bestCost = (on / off - 1) * 100;
      const perRound = offs.map((o, i) => (ons[i]! / o - 1) * 100).sort((a, b) => a - b);
      const median = perRound[Math.floor(perRound.length / 2)]!;
      rows.push({ file: file.name, name: `${base} (monitor off)`, packets, seconds: off });
      rows.push({
        file: file.name,
        name: `${base} + monitor`,
        packets,
        seconds: on,
        note: `monitor cost: median of ${ROUNDS} paired rounds ${median.toFixed(1)}% (target ≤ 15%): ${median <= 15 ? 'met' : 'NOT met'}; best vs best ${bestCost.toFixed(1)}%; rounds ${perRound.map((c) => c.toFixed(0)).join(', ')}`,
      });
    }
  }
  return rows;
};
