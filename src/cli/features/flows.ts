/**
 * The flows feature of `read` and `capture`: the flow table (always on, so
 * detectors can name flows and the bus carries ended flows), export with
 * `--flows OUT` (.csv / .jsonl / .json), and the timeout options.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { flowOptions, isPreset, PRESETS, type FlowOptions, type TimeoutPreset } from '../../flow/options.js';
import { FlowStage } from '../../flow/stage.js';
import { FlowFileWriter, flowFormatOf } from '../../flow/writer.js';
import { UsageError, type Feature, type RunContext } from '../context.js';

function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('expected a number of seconds greater than 0 (e.g. 0.5, 60, 120).');
  }
  return n;
}

function parseMaxFlows(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 100_000_000) {
    throw new InvalidArgumentError('expected an integer from 1 to 100000000.');
  }
  return n;
}

/** FlowOptions from parsed CLI (or config) values; throws UsageError naming the bad option. */
export function flowOptionsFrom(opts: Record<string, unknown>): FlowOptions {
  const presetName = opts.flowTimeouts ?? 'default';
  if (typeof presetName !== 'string' || !isPreset(presetName)) {
    throw new UsageError(`--flow-timeouts: unknown preset "${String(presetName)}" (use ${Object.keys(PRESETS).join(', ')})`);
  }
  const over: Partial<FlowOptions> = {};
  const num = (k: string): number | undefined => {
    const v = opts[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}: expected a positive number, got "${String(v)}"`);
    }
    return v;
  };
  const idle = num('idleTimeout');
  if (idle !== undefined) over.idleTcpS = over.idleUdpS = over.idleOtherS = idle;
  const active = num('activeTimeout');
  if (active !== undefined) over.activeS = active;
  const max = num('maxFlows');
  if (max !== undefined) over.maxFlows = Math.floor(max);
  return flowOptions(presetName as TimeoutPreset, over);
}

export const flowsFeature: Feature = {
  name: 'flows',
  order: 20,
  addOptions(cmd: Command): void {
    cmd
      .option('--flows <out>', 'write flows as they end: .csv (CICFlowMeter columns + extras) or .jsonl/.json (EVE flow events)')
      .option('--no-flows', 'do not track flows at all')
      .addOption(
        new Option('--flow-timeouts <preset>', 'timeout preset (default: idle 120 s, active 1800 s; cic: 120 s from first packet; zeek: tcp 300 s / udp 60 s idle)')
          .choices(Object.keys(PRESETS)),
      )
      .option('--idle-timeout <s>', 'end a flow after S seconds without packets (overrides the preset)', parseSeconds)
      .option('--active-timeout <s>', 'cut a flow S seconds after its first packet (overrides the preset)', parseSeconds)
      .option('--max-flows <n>', 'flows held at once; beyond it the least recently active is ended (evicted)', parseMaxFlows);
  },
  async createStages(ctx: RunContext) {
    if (ctx.opts.flows === false) return [];
    const options = flowOptionsFrom(ctx.opts);
    const stage = new FlowStage(options);
    // Ended flows go on the bus for detection, history and the dashboard; records are only built when someone
    // listens to them, otherwise the flow is only counted (the monitor's and metrics' flow counters).
    stage.addSink(
      (rec) => ctx.bus.emit('flow', rec),
      () => ctx.bus.hasListeners('flow'),
      () => ctx.bus.tally('flow'),
    );
    const out = ctx.opts.flows;
    let writer: FlowFileWriter | null = null;
    if (typeof out === 'string') {
      if (flowFormatOf(out) === null) {
        throw new UsageError(`--flows ${out}: unknown extension (use .csv, .jsonl or .json)`);
      }
      writer = new FlowFileWriter(out, options.label);
      try {
        await writer.ready();
      } catch (e) {
        throw new UsageError(`--flows ${out}: cannot write: ${(e as Error).message}`);
      }
      const w = writer;
      stage.addSink((rec) => w.write(rec));
      // Live capture: hand finished flows to the file every packet-time second.
      stage.onAfterTick(() => w.flush());
    }
    ctx.onClose(async () => {
      const st = stage.stats;
      let line = `flows: ${st.ended.toLocaleString('en-US')} flows (peak ${st.peakActive.toLocaleString('en-US')} active)`;
      if (st.evicted > 0) line += `, ${st.evicted.toLocaleString('en-US')} evicted at --max-flows ${options.maxFlows}`;
      if (writer !== null) {
        await writer.close();
        line += `, written to ${writer.path}`;
        if (writer.dropped > 0) line += ` (${writer.dropped} dropped: output too slow)`;
      }
      ctx.log(line);
    });
    return [stage];
  },
};
