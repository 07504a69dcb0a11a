/**
 * Runs decode + flow table over one capture file and hands every ended flow
 * to `onFlow`: the shared core of `wirewatch flows`, the tests and the bench.
 */
import { openCaptureFile } from '../capture/open.js';
import { Pipeline, type RunSummary } from '../pipeline.js';
import { flowOptions, type FlowOptions, type TimeoutPreset } from './options.js';
import type { FlowRecord } from './record.js';
import { FlowStage, type FlowStageStats } from './stage.js';

export interface AnalyzeResult {
  /** Null when the input failed part-way (see `error`): flows of the good records were still emitted. */
  summary: RunSummary | null;
  /** The capture error that stopped reading early, if any. */
  error: Error | null;
  flows: FlowStageStats;
  /** Bytes held by the flow store at the end (slabs, index, lists). */
  storeBytes: number;
}

export async function analyzeFile(
  path: string,
  onFlow: ((rec: FlowRecord) => void) | null,
  preset: TimeoutPreset = 'default',
  over: Partial<FlowOptions> = {},
): Promise<AnalyzeResult> {
  const stage = new FlowStage(flowOptions(preset, over));
  if (onFlow !== null) stage.addSink(onFlow);
  let summary: RunSummary | null = null;
  let error: Error | null = null;
  try {
    const src = await openCaptureFile(path);
    summary = await new Pipeline(src, [stage]).run();
  } catch (e) {
    // The pipeline ends the stages before rejecting, so flows of every good record are out already.
    error = e as Error;
  }
  return { summary, error, flows: stage.stats, storeBytes: stage.store.bytesAllocated };
}

/** All flow records of a file, in the order they ended. */
export async function flowsOf(
  path: string,
  preset: TimeoutPreset = 'default',
  over: Partial<FlowOptions> = {},
): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  await analyzeFile(path, (r) => out.push(r), preset, over);
  return out;
}
