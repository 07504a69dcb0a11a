/**
 * The messages between the dashboard server and its page (JSON over a
 * WebSocket). Shared by both sides, so it imports nothing from Node or the DOM
 * (the monitor's snapshot shape is types only).
 */
import type { MonitorSnapshot } from '../monitor/snapshot.js';

export type { MixEntry, RttSummary } from '../monitor/snapshot.js';

/** One second (live) or one minute (history) of traffic: [unix seconds, packets/s, bytes/s]. */
export type SeriesPoint = [number, number, number];

/** What the page shows of the monitor: a live snapshot, or what history can fill (no TCP analysis, one talker ranking). */
export type MonitorView = Omit<MonitorSnapshot, 'topTalkersPkts' | 'tcp'> & { tcp: MonitorSnapshot['tcp'] | null };

/** An alert as the EVE record carries it (the page reads these fields; evidence is free-form). */
export interface AlertView {
  id: number;
  timestamp: string;
  signature_id: number;
  signature: string;
  category: string;
  severity: number;
  src_ip: string | null;
  src_port: number | null;
  dest_ip: string | null;
  dest_port: number | null;
  proto: string | null;
  flow_id: number | null;
  detector: string | null;
  suppressed: number;
  evidence: Record<string, unknown>;
}

export interface FlowView {
  timestamp: string;
  flow_id: number | null;
  src_ip: string | null;
  src_port: number | null;
  dest_ip: string | null;
  dest_port: number | null;
  proto: string | null;
  app_proto: string | null;
  pkts: number;
  bytes: number;
  /** Seconds from the first to the last packet. */
  duration: number;
  state: string | null;
}

export interface FlowLists {
  largest: FlowView[];
  newest: FlowView[];
}

export interface Totals {
  flows: number;
  alerts: number;
  alertsBySignature: Record<string, number>;
}

export type ServerMessage =
  | { type: 'hello'; mode: 'live' | 'history'; source: string; seriesStep: number }
  /** Sent once on connect and then about once a second. `points` are new series points since the previous message. */
  | { type: 'tick'; monitor: MonitorView | null; points: SeriesPoint[]; totals: Totals; flows: FlowLists | null }
  | { type: 'alerts'; alerts: AlertView[] }
  /** The run ended (the server closes soon after). */
  | { type: 'end' };
