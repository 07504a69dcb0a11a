/**
 * Monitoring benchmark: the pipeline with the monitor stage on vs off, same
 * looped files, same run. Target (issue 7): the monitor costs ≤ 15%.
 */
import { MonitorStage } from '../src/monitor/monitor-stage.js';
import type { BenchModule, BenchRow } from './harness.js';

export const monitorBench: BenchModule = async (ctx) => {
  const rows: BenchRow[] = [];
  for (const file of ctx.files) {
    let packets = 0;
    const off = await ctx.best(async () => {
      packets = await ctx.runStages(file, []);
    });
    const on = await ctx.best(async () => {
      packets = await ctx.runStages(file, [new MonitorStage(null)]);
    });
    const cost = off > 0 ? (on / off - 1) * 100 : NaN;
    rows.push({ file: file.name, name: 'decode only (monitor off)', packets, seconds: off });
    rows.push({
      file: file.name,
      name: 'decode + monitor',
      packets,
      seconds: on,
      note: `monitor cost ${cost.toFixed(1)}% (target ≤ 15%): ${cost <= 15 ? 'met' : 'NOT met'}`,
    });
  }
  return rows;
};
