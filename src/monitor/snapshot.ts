/**
 * The shape of what the monitor reports. Dependency-free (types only), so the
 * dashboard page and its server share it with the monitor instead of restating it.
 */

/** Packets and bytes of one protocol in the mix. */
export interface MixEntry {
  pkts: number;
  bytes: number;
}

/** RTT distribution (seconds) from the log-linear histogram. */
export interface RttSummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  count: number;
}

/** TCP event counters of the monitor's connection analysis. */
export interface TcpCounts {
  connections: number;
  handshakes: number;
  retransmissions: number;
  outOfOrder: number;
  zeroWindows: number;
  resets: number;
}

export interface TcpSnapshot extends TcpCounts {
  handshakeRtt: RttSummary;
  dataRtt: RttSummary;
}

/** A top-k entry; `error` is Space-Saving's overestimation bound. */
export interface TopTalker {
  addr: string;
  bytes: number;
  pkts: number;
  error: number;
}

export interface TopPort {
  port: string;
  pkts: number;
  bytes: number;
  error: number;
}

export interface MonitorSnapshot {
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
  topTalkersBytes: TopTalker[];
  topTalkersPkts: TopTalker[];
  topPorts: TopPort[];
  tcp: TcpSnapshot;
  icmpUnreachable: number;
  malformed: number;
  dropped: number;
  ifDropped: number;
  topErrorBound: number;
}
