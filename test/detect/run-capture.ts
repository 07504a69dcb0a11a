/** Runs a capture file through flows + detection in-process (as `wirewatch read` does) and returns the alerts. */
import { openCaptureFile } from '../../src/capture/open.js';
import { buildDetectors } from '../../src/detect/build.js';
import { type DetectConfig, defaultDetectConfig } from '../../src/detect/config.js';
import type { Detector } from '../../src/detect/detector.js';
import { DetectStage } from '../../src/detect/stage.js';
import { EventBus } from '../../src/events.js';
import { flowOptions } from '../../src/flow/options.js';
import { FlowStage } from '../../src/flow/stage.js';
import type { EveAlert } from '../../src/output/eve.js';
import { Pipeline } from '../../src/pipeline.js';

export async function detectFile(file: string, cfg: DetectConfig = defaultDetectConfig()): Promise<{ alerts: EveAlert[]; stats: Record<string, number>; packets: number }> {
  const bus = new EventBus();
  const alerts: EveAlert[] = [];
  bus.on('alert', (r) => alerts.push(r as EveAlert));
  const flows = new FlowStage(flowOptions());
  flows.addSink((rec) => bus.emit('flow', rec));
  const stage = new DetectStage(buildDetectors(cfg, { log: () => {}, env: {}, watchLists: false }), { bus, mtu: cfg.mtu ?? 1500, suppress: cfg.suppress, log: () => {} });
  const src = await openCaptureFile(file);
  const summary = await new Pipeline(src, [flows, stage]).run();
  await stage.close();
  return { alerts, stats: stage.stats(), packets: summary.packets };
}

export const SCAN_FLOOD = /Scan|Sweep|Flood|Amplification|Reflection/;

/**
 * One detector over a capture without suppression, behind the flow stage
 * (packets carry their flow) or alone (they carry none). Alerts as JSON text
 * without flow_id and community_id, which only the flow stage can give.
 */
export async function detectorOverCapture(file: string, detector: Detector, withFlows: boolean): Promise<{ alerts: string[]; stats: Record<string, number> }> {
  const bus = new EventBus();
  const alerts: string[] = [];
  bus.on('alert', (r) => alerts.push(JSON.stringify({ ...r, flow_id: undefined, community_id: undefined })));
  const suppress = { ...defaultDetectConfig().suppress, enabled: false };
  const stage = new DetectStage([detector], { bus, mtu: 1500, suppress, log: () => {} });
  const stages = withFlows ? [new FlowStage(flowOptions()), stage] : [stage];
  await new Pipeline(await openCaptureFile(file), stages).run();
  await stage.close();
  return { alerts, stats: stage.stats() };
}
