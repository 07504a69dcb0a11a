/**
 * The messages between the dashboard server and its page (JSON over a
 * WebSocket). Shared by both sides, so it imports nothing from Node or the DOM.
 */

/** One second (live) or one minute (history) of traffic: [unix seconds, packets/s, bytes/s]. */
export type SeriesPoint = [number, number, number];

export interface MixEntry {
  pkts: number;
  bytes: number;
}

export interface RttSummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  count: number;
}

/** What the page shows of the monitor (the MonitorSnapshot fields it uses; history fills what it can). */
export interface MonitorView {
  time: number;
  packets: number;
  bytes: number;
  pps1s: number;
  bps1s: number;
  pps1m: number;
  bps1m: number;
  pps5m: number;
  bps5m: number;
  l3: Record<string, MixEntry>;
  l4: Record<string, MixEntry>;
  app: Record<string, MixEntry>;
  topTalkersBytes: { addr: string; bytes: number; pkts: number; error: number }[];
  topPorts: { port: string; pkts: number; bytes: number; error: number }[];
  tcp: {
    connections: number;
    handshakes: number;
    retransmissions: number;
    outOfOrder: number;
    zeroWindows: number;
    resets: number;
    handshakeRtt: RttSummary;
    dataRtt: RttSummary;
  } | null;
  icmpUnreachable: number;
  malformed: number;
  dropped: number;
  ifDropped: number;
  topErrorBound: number;
}

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
