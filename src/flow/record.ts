/**
 * The record of an ended flow, shaped like a Suricata EVE `flow` event, with
 * every CSV column after the identity ones under `features` (snake_case).
 * Built once per flow at its end, from the slab (never per packet).
 */
import type { EventRecord } from '../pipeline.js';
import { formatIPv4, formatIPv6Words, formatIsoTime } from '../util/format.js';
import { appProtoName } from './app-proto.js';
import { F, K, KeyKind, TcpState } from './layout.js';
import { pooledVar, statMax, statMean, statMin, statN, statStd } from './stats.js';
import type { FlowAppInfo } from './store.js';

export type EndReason = 'idle_timeout' | 'active_timeout' | 'tcp_fin' | 'tcp_rst' | 'end_of_input' | 'evicted';

export interface FlowSummary {
  pkts_toserver: number;
  pkts_toclient: number;
  bytes_toserver: number;
  bytes_toclient: number;
  /** ISO-8601 UTC, microseconds. */
  start: string;
  end: string;
  /** Whole seconds between start and end (as Suricata). */
  age: number;
  /** "new" (one direction only), "established" (both) or "closed" (TCP FIN/RST seen). */
  state: 'new' | 'established' | 'closed';
  reason: EndReason;
}

export interface FlowRecord extends EventRecord {
  event_type: 'flow';
  flow_id: number;
  community_id: string;
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  /** "TCP", "UDP", "ICMP", "IPv6-ICMP", an IP protocol number as text, or the EtherType ("0x0806") for non-IP flows. */
  proto: string;
  app_proto: string;
  flow: FlowSummary;
  /** CIC features ("flow_duration" ... "idle_min") then the extra columns, in CSV order. */
  features: Record<string, number | string>;
}

const PROTO_NAMES = new Map<number, string>([
  [6, 'TCP'],
  [17, 'UDP'],
  [1, 'ICMP'],
  [58, 'IPv6-ICMP'],
  [132, 'SCTP'],
  [47, 'GRE'],
  [50, 'ESP'],
  [51, 'AH'],
]);

const TUNNEL_NAMES = ['', 'gre', 'ipip', 'vxlan', 'geneve', 'pseudowire'];

function macText(hi: number, lo: number): string {
  const b = [hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, lo >>> 8, lo & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function addrText(k: Uint32Array, ko: number, base: number, kind: number, ver: number): string {
  if (kind === KeyKind.NonIp) return macText(k[ko + base]!, k[ko + base + 1]!);
  if (ver === 4) return formatIPv4(k[ko + base]!);
  return formatIPv6Words(k.subarray(ko + base, ko + base + 4));
}

/**
 * ISO text of microsecond times. Date formatting dominated the record's
 * cost, so the "YYYY-MM-DDT" part is formatted once per UTC day and the time
 * of day is plain arithmetic (JS time has no leap seconds). Starts and ends
 * use one cache each, as one flow's start and end may fall on different days.
 */
class IsoCache {
  private day = Number.NaN;
  /** Date part with the "T", or null when formatIsoTime does not give the usual shape (out-of-range dates). */
  private prefix: string | null = null;

  text(us: number): string {
    const sec = Math.floor(us / 1e6);
    const nsec = Math.round(us - sec * 1e6) * 1000;
    const day = Math.floor(sec / 86400);
    if (day !== this.day) {
      const midnight = formatIsoTime(day * 86400, 0, 0);
      this.prefix = midnight.endsWith('T00:00:00Z') ? midnight.slice(0, -9) : null;
      this.day = day;
    }
    if (this.prefix === null) return formatIsoTime(sec, nsec, 6);
    const sod = sec - day * 86400;
    const h = Math.floor(sod / 3600);
    const m = Math.floor(sod / 60) % 60;
    const s = sod % 60;
    const frac = String(nsec).padStart(9, '0').slice(0, 6);
    return `${this.prefix}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}.${frac}Z`;
  }
}
const startIso = new IsoCache();
const endIso = new IsoCache();

/** a/b, or 0 when b is 0 (CIC emits NaN/Infinity there). */
function div(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

export interface RecordInput {
  vals: Float64Array;
  vo: number;
  keys: Uint32Array;
  ko: number;
  communityId: string;
  history: string;
  app: FlowAppInfo | null;
  reason: EndReason;
}

/** Builds the EVE-shaped record of a flow. */
export function buildRecord(r: RecordInput): FlowRecord {
  const a = r.vals;
  const o = r.vo;
  const k = r.keys;
  const ko = r.ko;
  const meta = k[ko + K.Meta]!;
  const kind = (meta >>> 12) & 15;
  const ver = (meta >>> 8) & 15;
  const proto = kind === KeyKind.NonIp ? 0 : meta & 255;
  const fwdIsLow = a[o + F.FwdIsLow] === 1;
  const srcBase = fwdIsLow ? K.LowAddr : K.HighAddr;
  const dstBase = fwdIsLow ? K.HighAddr : K.LowAddr;
  const ports = k[ko + K.Ports]!;
  const lowPort = ports >>> 16;
  const highPort = ports & 0xffff;
  const sport = fwdIsLow ? lowPort : highPort;
  const dport = fwdIsLow ? highPort : lowPort;
  const srcIp = addrText(k, ko, srcBase, kind, ver);
  const dstIp = addrText(k, ko, dstBase, kind, ver);

  const first = a[o + F.FirstUs]!;
  const last = a[o + F.LastUs]!;
  const dur = last - first;
  const durS = dur / 1e6;
  const fwdN = statN(a, o + F.FwdLen);
  const bwdN = statN(a, o + F.BwdLen);
  const allN = fwdN + bwdN;
  const fwdBytes = a[o + F.FwdBytes]!;
  const bwdBytes = a[o + F.BwdBytes]!;
  const sub = a[o + F.SubflowCount]!;
  const fBulkCount = a[o + F.FBulkCount]!;
  const bBulkCount = a[o + F.BBulkCount]!;
  const tcp = proto === 6;
  const tcpState = a[o + F.TcpState]!;
  const appCode = a[o + F.AppProto]!;
  const appName = kind === KeyKind.NonIp ? 'unknown' : appProtoName(appCode, proto, sport, dport);

  // All-packet length variance from the two directions' Welford states (Chan et al.'s pooled formula).
  const allVar = pooledVar(a, o + F.FwdLen, a, o + F.BwdLen);
  const closed = tcpState === TcpState.Closed || tcpState === TcpState.Reset;
  const state: FlowSummary['state'] = closed ? 'closed' : bwdN > 0 ? 'established' : 'new';
  const synUs = a[o + F.SynUs]!;
  const synAckUs = a[o + F.SynAckUs]!;
  const ackUs = a[o + F.HandshakeAckUs]!;
  const app = r.app;
  const encap = a[o + F.Encap]!;

  // One literal with every key in CSV order (CIC_FEATURE_KEYS, then EXTRA_COLUMNS): V8 gives it fast
  // properties, where adding ~100 computed keys one by one made a slow dictionary object.
  const features: Record<string, number | string> = {
    flow_duration: dur,
    total_fwd_packet: fwdN,
    total_bwd_packets: bwdN,
    total_length_of_fwd_packet: fwdBytes,
    total_length_of_bwd_packet: bwdBytes,
    fwd_packet_length_max: statMax(a, o + F.FwdLen),
    fwd_packet_length_min: statMin(a, o + F.FwdLen),
    fwd_packet_length_mean: statMean(a, o + F.FwdLen),
    fwd_packet_length_std: statStd(a, o + F.FwdLen),
    bwd_packet_length_max: statMax(a, o + F.BwdLen),
    bwd_packet_length_min: statMin(a, o + F.BwdLen),
    bwd_packet_length_mean: statMean(a, o + F.BwdLen),
    bwd_packet_length_std: statStd(a, o + F.BwdLen),
    flow_bytes_s: div(fwdBytes + bwdBytes, durS),
    flow_packets_s: div(allN, durS),
    flow_iat_mean: statMean(a, o + F.FlowIat),
    flow_iat_std: statStd(a, o + F.FlowIat),
    flow_iat_max: statMax(a, o + F.FlowIat),
    flow_iat_min: statMin(a, o + F.FlowIat),
    fwd_iat_total: fwdN > 1 ? a[o + F.LastFwdUs]! - first : 0,
    fwd_iat_mean: statMean(a, o + F.FwdIat),
    fwd_iat_std: statStd(a, o + F.FwdIat),
    fwd_iat_max: statMax(a, o + F.FwdIat),
    fwd_iat_min: statMin(a, o + F.FwdIat),
    bwd_iat_total: bwdN > 1 ? a[o + F.LastBwdUs]! - a[o + F.FirstBwdUs]! : 0,
    bwd_iat_mean: statMean(a, o + F.BwdIat),
    bwd_iat_std: statStd(a, o + F.BwdIat),
    bwd_iat_max: statMax(a, o + F.BwdIat),
    bwd_iat_min: statMin(a, o + F.BwdIat),
    fwd_psh_flags: a[o + F.FwdPsh]!,
    bwd_psh_flags: a[o + F.BwdPsh]!,
    fwd_urg_flags: a[o + F.FwdUrg]!,
    bwd_urg_flags: a[o + F.BwdUrg]!,
    fwd_header_length: a[o + F.FwdHdrBytes]!,
    bwd_header_length: a[o + F.BwdHdrBytes]!,
    fwd_packets_s: div(fwdN, durS),
    bwd_packets_s: div(bwdN, durS),
    packet_length_min: allN > 0 ? Math.min(fwdN > 0 ? statMin(a, o + F.FwdLen) : Infinity, bwdN > 0 ? statMin(a, o + F.BwdLen) : Infinity) : 0,
    packet_length_max: Math.max(statMax(a, o + F.FwdLen), statMax(a, o + F.BwdLen)),
    packet_length_mean: div(fwdBytes + bwdBytes, allN),
    packet_length_std: Math.sqrt(allVar),
    packet_length_variance: allVar,
    fin_flag_count: a[o + F.CntFin]!,
    syn_flag_count: a[o + F.CntSyn]!,
    rst_flag_count: a[o + F.CntRst]!,
    psh_flag_count: a[o + F.FwdPsh]! + a[o + F.BwdPsh]!,
    ack_flag_count: a[o + F.CntAck]!,
    urg_flag_count: a[o + F.FwdUrg]! + a[o + F.BwdUrg]!,
    cwr_flag_count: a[o + F.CntCwr]!,
    ece_flag_count: a[o + F.CntEce]!,
    down_up_ratio: div(bwdN, fwdN),
    average_packet_size: div(fwdBytes + bwdBytes, allN),
    fwd_segment_size_avg: div(fwdBytes, fwdN),
    bwd_segment_size_avg: div(bwdBytes, bwdN),
    fwd_bytes_bulk_avg: div(a[o + F.FBulkBytes]!, fBulkCount),
    fwd_packet_bulk_avg: div(a[o + F.FBulkPkts]!, fBulkCount),
    fwd_bulk_rate_avg: div(a[o + F.FBulkBytes]!, a[o + F.FBulkDur]! / 1e6),
    bwd_bytes_bulk_avg: div(a[o + F.BBulkBytes]!, bBulkCount),
    bwd_packet_bulk_avg: div(a[o + F.BBulkPkts]!, bBulkCount),
    bwd_bulk_rate_avg: div(a[o + F.BBulkBytes]!, a[o + F.BBulkDur]! / 1e6),
    subflow_fwd_packets: div(fwdN, sub),
    subflow_fwd_bytes: div(fwdBytes, sub),
    subflow_bwd_packets: div(bwdN, sub),
    subflow_bwd_bytes: div(bwdBytes, sub),
    fwd_init_win_bytes: a[o + F.FwdInitWin]!,
    bwd_init_win_bytes: a[o + F.BwdInitWin]!,
    fwd_act_data_pkts: a[o + F.FwdActData]!,
    fwd_seg_size_min: fwdN > 0 ? a[o + F.FwdMinHdr]! : 0,
    active_mean: statMean(a, o + F.Active),
    active_std: statStd(a, o + F.Active),
    active_max: statMax(a, o + F.Active),
    active_min: statMin(a, o + F.Active),
    idle_mean: statMean(a, o + F.Idle),
    idle_std: statStd(a, o + F.Idle),
    idle_max: statMax(a, o + F.Idle),
    idle_min: statMin(a, o + F.Idle),
    flow_id: a[o + F.FlowId]!,
    community_id: r.communityId,
    ip_version: kind === KeyKind.NonIp ? 0 : ver,
    app_proto: appName,
    state,
    end_reason: r.reason,
    fwd_wire_bytes: a[o + F.FwdWireBytes]!,
    bwd_wire_bytes: a[o + F.BwdWireBytes]!,
    fwd_ip_bytes: a[o + F.FwdIpBytes]!,
    bwd_ip_bytes: a[o + F.BwdIpBytes]!,
    tcp_history: tcp ? r.history : '',
    tcp_synack_rtt_us: synUs > 0 && synAckUs >= synUs ? synAckUs - synUs : -1,
    tcp_handshake_rtt_us: synUs > 0 && ackUs >= synUs ? ackUs - synUs : -1,
    fwd_retransmissions: a[o + F.FwdRetrans]!,
    bwd_retransmissions: a[o + F.BwdRetrans]!,
    fwd_out_of_order: a[o + F.FwdOoo]!,
    bwd_out_of_order: a[o + F.BwdOoo]!,
    dns_query: app?.dnsQuery ?? '',
    tls_sni: app?.sni ?? '',
    ja3: app?.ja3 ?? '',
    ja3_hash: app?.ja3Hash ?? '',
    ja4: app?.ja4 ?? '',
    http_host: app?.httpHost ?? '',
    vlan: a[o + F.Vlan]!,
    tunnel: TUNNEL_NAMES[encap] ?? '',
    tunnel_id: a[o + F.TunnelId]!,
  };

  const protoText =
    kind === KeyKind.NonIp
      ? `0x${k[ko + K.Extra]!.toString(16).padStart(4, '0')}`
      : (PROTO_NAMES.get(proto) ?? String(proto));
  const start = startIso.text(first);
  return {
    event_type: 'flow',
    timestamp: start,
    flow_id: a[o + F.FlowId]!,
    community_id: r.communityId,
    src_ip: srcIp,
    src_port: sport,
    dest_ip: dstIp,
    dest_port: dport,
    proto: protoText,
    app_proto: appName,
    flow: {
      pkts_toserver: fwdN,
      pkts_toclient: bwdN,
      bytes_toserver: a[o + F.FwdWireBytes]!,
      bytes_toclient: a[o + F.BwdWireBytes]!,
      start,
      end: endIso.text(last),
      age: Math.floor(last / 1e6) - Math.floor(first / 1e6),
      state,
      reason: r.reason,
    },
    features,
  };
}

/** CIC's "Flow ID" text: src-dst-sport-dport-proto. */
export function cicFlowIdText(rec: FlowRecord): string {
  return `${rec.src_ip}-${rec.dest_ip}-${rec.src_port}-${rec.dest_port}-${protoNumber(rec)}`;
}

/** IP protocol number of a record (0 for non-IP). */
export function protoNumber(rec: FlowRecord): number {
  switch (rec.proto) {
    case 'TCP':
      return 6;
    case 'UDP':
      return 17;
    case 'ICMP':
      return 1;
    case 'IPv6-ICMP':
      return 58;
    case 'SCTP':
      return 132;
    case 'GRE':
      return 47;
    case 'ESP':
      return 50;
    case 'AH':
      return 51;
    default:
      return rec.proto.startsWith('0x') ? 0 : Number(rec.proto);
  }
}
