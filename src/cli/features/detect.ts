/**
 * The detection feature of `read` and `capture`: the detect stage (packet
 * size, DNS, intel, scans, floods; see docs/detection.md) and the alert
 * outputs — a console line per alert on stderr, EVE JSON lines
 * (`--alerts FILE`) and the SQLite history (`--db FILE`).
 */
import { Option, type Command } from 'commander';
import { buildDetectors } from '../../detect/build.js';
import { ConfigError, type DetectConfig, defaultDetectConfig, loadDetectConfig } from '../../detect/config.js';
import { DetectStage } from '../../detect/stage.js';
import { consoleAlertLine } from '../../output/eve.js';
import { openHistoryDb } from '../../output/sqlite.js';
import type { Stage } from '../../pipeline.js';
import { UsageError, type Feature, type RunContext } from '../context.js';
import { parseFileArg, writeRecordsTo } from './json-lines-output.js';

/** The run's detection config: --config FILE (or defaults), then --rules on top. */
export function detectConfigFrom(opts: Record<string, unknown>): DetectConfig {
  let cfg: DetectConfig;
  try {
    cfg = typeof opts.config === 'string' ? loadDetectConfig(opts.config) : defaultDetectConfig();
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`--config ${e.message}`);
    throw e;
  }
  if (opts.rules === 'prototype' || opts.rules === 'default') cfg.rules = opts.rules;
  return cfg;
}

export const detectFeature: Feature = {
  name: 'detect',
  order: 30,
  addOptions(cmd: Command): void {
    cmd
      .option('--no-detect', 'switch detection off (no alerts)')
      .option('--alerts <file>', 'append alerts as EVE JSON lines (Suricata eve.json shape) to FILE', parseFileArg)
      .option('--db <file>', 'store alerts (and flows) in the SQLite history database FILE', parseFileArg)
      .option('--config <file>', 'detection config, YAML or JSON (see config/detect.yaml for every key and default)', parseFileArg)
      .addOption(new Option('--rules <set>', 'rule set: the prototype\'s four filters exactly, or the sound detectors').choices(['default', 'prototype']))
      .option('--no-alert-console', 'do not print a line per alert on stderr');
  },
  async createStages(ctx: RunContext): Promise<Stage[]> {
    const o = ctx.opts;
    if (o.detect === false) return [];
    const cfg = detectConfigFrom(o);
    let detectors;
    try {
      detectors = buildDetectors(cfg, { log: ctx.log });
    } catch (e) {
      throw new UsageError(`detection: ${(e as Error).message}`);
    }
    const stage = new DetectStage(detectors, { bus: ctx.bus, mtu: cfg.mtu ?? ctx.mtu, suppress: cfg.suppress, log: ctx.log });
    await stage.ready();
    if (o.alertConsole !== false) ctx.bus.on('alert', (rec) => ctx.log(`alert: ${consoleAlertLine(rec)}`));
    if (typeof o.alerts === 'string') writeRecordsTo(ctx, '--alerts', o.alerts, 'alert');
    if (typeof o.db === 'string') {
      let db;
      try {
        db = openHistoryDb(o.db);
      } catch (e) {
        throw new UsageError(`--db ${(e as Error).message}`);
      }
      const alerts = db.sink('alert');
      const flows = db.sink('flow');
      ctx.bus.on('alert', (rec) => alerts.write(rec));
      ctx.bus.on('flow', (rec) => flows.write(rec));
      ctx.onClose(async () => {
        await alerts.close();
        await flows.close();
      });
    }
    ctx.onClose(() => stage.close());
    return [stage];
  },
};
