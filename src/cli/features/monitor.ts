/**
 * The monitoring feature of `read` and `capture`: the monitor stage (rates,
 * protocol mix, top talkers, TCP RTT/retransmissions, drops), periodic EVE
 * `stats` records, the terminal progress/status line and end-of-run summary
 * (stderr only), and Prometheus metrics (`--metrics PORT`).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { MonitorStage } from '../../monitor/monitor-stage.js';
import { Metrics } from '../../monitor/metrics.js';
import { startMetricsServer } from '../../monitor/metrics-server.js';
import { progressLine, statusLine, summaryTable } from '../../monitor/terminal.js';
import { MinuteStatsWriter } from '../../monitor/minute-stats.js';
import { openHistoryDb } from '../../output/sqlite.js';
import type { Stage } from '../../pipeline.js';
import type { Feature, RunContext } from '../context.js';
import { parseFileArg, writeRecordsTo } from './json-lines-output.js';

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a TCP port from 0 to 65535 (0 = any free port).');
  return n;
}

function parseInterval(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected seconds >= 0 (0 = no periodic stats records).');
  return n;
}

/** Everything the web dashboard needs from a run (the web feature reads it). */
export interface MonitorHandle {
  stage: MonitorStage;
  metrics: Metrics;
  flows(): number;
  alertsBySignature: Map<string, number>;
}

/** The monitor of the current run, for the dashboard (one run per process). */
export let currentMonitor: MonitorHandle | null = null;

export const monitorFeature: Feature = {
  name: 'monitor',
  order: 10,
  addOptions(cmd: Command): void {
    cmd
      .option('--stats-interval <s>', 'seconds of packet time between EVE stats records (0 = none)', parseInterval, 10)
      .option('--stats <file>', 'append the EVE stats records (every --stats-interval and at the end) as JSON lines to FILE', parseFileArg)
      .option('--metrics <port>', 'serve Prometheus metrics at http://127.0.0.1:PORT/metrics', parsePort)
      .option('--no-summary-table', 'do not print the end-of-run summary table on stderr')
      .option('--no-progress', 'no progress bar / status line on stderr');
  },
  async createStages(ctx: RunContext): Promise<Stage[]> {
    const o = ctx.opts;
    const stage = new MonitorStage(ctx.bus, { intervalSec: typeof o.statsInterval === 'number' ? o.statsInterval : 10 });
    if (ctx.sourceStats !== undefined) stage.attachSource(ctx.sourceStats);
    if (typeof o.stats === 'string') writeRecordsTo(ctx, '--stats', o.stats, 'stats');
    const metrics = new Metrics(stage, ctx.bus);
    let flows = 0;
    const alertsBySignature = new Map<string, number>();
    ctx.bus.onCount('flow', () => flows++);
    ctx.bus.on('alert', (rec) => {
      const sig = (rec as { alert?: { signature?: unknown } }).alert?.signature;
      const key = typeof sig === 'string' ? sig : 'unknown';
      alertsBySignature.set(key, (alertsBySignature.get(key) ?? 0) + 1);
    });
    currentMonitor = { stage, metrics, flows: () => flows, alertsBySignature };

    if (typeof o.metrics === 'number') {
      const srv = await startMetricsServer(metrics, o.metrics);
      ctx.log(`Prometheus metrics at ${srv.url}`);
      ctx.onClose(() => srv.close());
    }

    // Progress (files) or status line (live), only when stderr is a terminal.
    if (o.progress !== false && process.stderr.isTTY === true) {
      const t0 = Date.now();
      const timer = setInterval(() => {
        const src = ctx.sourceStats?.();
        const line =
          ctx.mode === 'capture' || src === undefined
            ? statusLine(stage.snapshot(0), flows, ctx.bus.count('alert'))
            : progressLine(src, stage.packets, Date.now() - t0);
        process.stderr.write(`\r\x1b[2K${line}`);
      }, 250);
      timer.unref();
      ctx.onClose(() => {
        clearInterval(timer);
        process.stderr.write('\r\x1b[2K');
      });
    }
    if (o.summaryTable !== false) {
      ctx.onClose(() => {
        if (stage.packets > 0) process.stderr.write('\n' + summaryTable(stage.snapshot(10), alertsBySignature, flows));
      });
    }
    const stages: Stage[] = [stage];
    // --db (declared by the detection feature): per-minute traffic history beside alerts and flows.
    if (typeof o.db === 'string') {
      const db = openHistoryDb(o.db).retain();
      const writer = new MinuteStatsWriter(db, ctx.bus);
      stages.push(writer);
      ctx.onClose(() => {
        writer.finish();
        db.release();
      });
    }
    return stages;
  },
};
