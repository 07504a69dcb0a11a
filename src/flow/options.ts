/**
 * Flow-table settings and the named timeout presets. Times are seconds in
 * the options and microseconds inside the table.
 */

export interface FlowOptions {
  /** Idle (inactivity) timeout per protocol family, seconds. */
  idleTcpS: number;
  idleUdpS: number;
  idleOtherS: number;
  /** Active timeout: a flow older than this is cut and continues as a new flow, seconds. */
  activeS: number;
  /** Gap that separates CIC "active" periods from "idle" ones, seconds (CIC: 5 s). */
  activityThresholdS: number;
  /** How long a TCP flow closed by FIN/FIN/ACK or RST keeps collecting trailing packets, seconds. */
  tcpLingerS: number;
  /** Maximum number of flows held at once; the least recently active is evicted beyond it. */
  maxFlows: number;
  /** Value of the CIC "Label" column. */
  label: string;
}

export type TimeoutPreset = 'default' | 'cic' | 'zeek';

/** The presets (see docs/features.md, "Timeouts"). */
export const PRESETS: Record<TimeoutPreset, FlowOptions> = {
  // NFStream-like idle/active pair, CIC's 5 s activity threshold, a 2 s close linger.
  default: {
    idleTcpS: 120,
    idleUdpS: 120,
    idleOtherS: 120,
    activeS: 1800,
    activityThresholdS: 5,
    tcpLingerS: 2,
    maxFlows: 1_000_000,
    label: 'NeedManualLabel',
  },
  // CICFlowMeter's defaults: 120 s flow timeout measured from the first packet.
  cic: {
    idleTcpS: 120,
    idleUdpS: 120,
    idleOtherS: 120,
    activeS: 120,
    activityThresholdS: 5,
    tcpLingerS: 2,
    maxFlows: 1_000_000,
    label: 'NeedManualLabel',
  },
  // Zeek's inactivity timeouts (tcp 5 min, udp/icmp/other 1 min), no active
  // timeout, tcp_close_delay / tcp_reset_delay of 5 s.
  zeek: {
    idleTcpS: 300,
    idleUdpS: 60,
    idleOtherS: 60,
    activeS: Number.POSITIVE_INFINITY,
    activityThresholdS: 5,
    tcpLingerS: 5,
    maxFlows: 1_000_000,
    label: 'NeedManualLabel',
  },
};

export function isPreset(s: string): s is TimeoutPreset {
  return s === 'default' || s === 'cic' || s === 'zeek';
}

/** Options of a preset with overrides applied. */
export function flowOptions(preset: TimeoutPreset = 'default', over: Partial<FlowOptions> = {}): FlowOptions {
  return { ...PRESETS[preset], ...over };
}
