/**
 * The record of an ended flow, shaped like a Suricata EVE `flow` event, with
 * every CSV column after the identity ones under `features` (snake_case).
 * Built once per flow at its end, from the slab (never per packet).
 */
import type { EventRecord } from '../pipeline.js';
import { formatIPv4, formatIPv6Words, formatIsoTime } from '../util/format.js';
import { appProtoName } from './app-proto.js';
import { CIC_FEATURE_KEYS } from './columns.js';
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

function usToIso(us: number): string {
  const sec = Math.floor(us / 1e6);
  return formatIsoTime(sec, Math.round(us - sec * 1e6) * 1000, 6);
}

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
  // Values in CIC column order from "Flow Duration" to "Idle Min" (see docs/features.md).
  const cic: number[] = [
    dur,
    fwdN,
    bwdN,
    fwdBytes,
    bwdBytes,
    statMax(a, o + F.FwdLen),
    statMin(a, o + F.FwdLen),
    statMean(a, o + F.FwdLen),
    statStd(a, o + F.FwdLen),
    statMax(a, o + F.BwdLen),
    statMin(a, o + F.BwdLen),
    statMean(a, o + F.BwdLen),
    statStd(a, o + F.BwdLen),
    div(fwdBytes + bwdBytes, durS),
    div(allN, durS),
    statMean(a, o + F.FlowIat),
    statStd(a, o + F.FlowIat),
    statMax(a, o + F.FlowIat),
    statMin(a, o + F.FlowIat),
    fwdN > 1 ? a[o + F.LastFwdUs]! - first : 0,
    statMean(a, o + F.FwdIat),
    statStd(a, o + F.FwdIat),
    statMax(a, o + F.FwdIat),
    statMin(a, o + F.FwdIat),
    bwdN > 1 ? a[o + F.LastBwdUs]! - a[o + F.FirstBwdUs]! : 0,
    statMean(a, o + F.BwdIat),
    statStd(a, o + F.BwdIat),
    statMax(a, o + F.BwdIat),
    statMin(a, o + F.BwdIat),
    a[o + F.FwdPsh]!,
    a[o + F.BwdPsh]!,
    a[o + F.FwdUrg]!,
    a[o + F.BwdUrg]!,
    a[o + F.FwdHdrBytes]!,
    a[o + F.BwdHdrBytes]!,
    div(fwdN, durS),
    div(bwdN, durS),
    allN > 0 ? Math.min(fwdN > 0 ? statMin(a, o + F.FwdLen) : Infinity, bwdN > 0 ? statMin(a, o + F.BwdLen) : Infinity) : 0,
    Math.max(statMax(a, o + F.FwdLen), statMax(a, o + F.BwdLen)),
    div(fwdBytes + bwdBytes, allN),
    Math.sqrt(allVar),
    allVar,
    a[o + F.CntFin]!,
    a[o + F.CntSyn]!,
    a[o + F.CntRst]!,
    a[o + F.FwdPsh]! + a[o + F.BwdPsh]!,
    a[o + F.CntAck]!,
    a[o + F.FwdUrg]! + a[o + F.BwdUrg]!,
    a[o + F.CntCwr]!,
    a[o + F.CntEce]!,
    div(bwdN, fwdN),
    div(fwdBytes + bwdBytes, allN),
    div(fwdBytes, fwdN),
    div(bwdBytes, bwdN),
    div(a[o + F.FBulkBytes]!, fBulkCount),
    div(a[o + F.FBulkPkts]!, fBulkCount),
    div(a[o + F.FBulkBytes]!, a[o + F.FBulkDur]! / 1e6),
    div(a[o + F.BBulkBytes]!, bBulkCount),
    div(a[o + F.BBulkPkts]!, bBulkCount),
    div(a[o + F.BBulkBytes]!, a[o + F.BBulkDur]! / 1e6),
    div(fwdN, sub),
    div(fwdBytes, sub),
    div(bwdN, sub),
    div(bwdBytes, sub),
    a[o + F.FwdInitWin]!,
    a[o + F.BwdInitWin]!,
    a[o + F.FwdActData]!,
    fwdN > 0 ? a[o + F.FwdMinHdr]! : 0,
    statMean(a, o + F.Active),
    statStd(a, o + F.Active),
    statMax(a, o + F.Active),
    statMin(a, o + F.Active),
    statMean(a, o + F.Idle),
    statStd(a, o + F.Idle),
    statMax(a, o + F.Idle),
    statMin(a, o + F.Idle),
  ];
  const features: Record<string, number | string> = {};
  for (let i = 0; i < cic.length; i++) features[CIC_FEATURE_KEYS[i]!] = cic[i]!;

  const closed = tcpState === TcpState.Closed || tcpState === TcpState.Reset;
  const state: FlowSummary['state'] = closed ? 'closed' : bwdN > 0 ? 'established' : 'new';
  const synUs = a[o + F.SynUs]!;
  const synAckUs = a[o + F.SynAckUs]!;
  const ackUs = a[o + F.HandshakeAckUs]!;
  const app = r.app;
  const encap = a[o + F.Encap]!;
  features.flow_id = a[o + F.FlowId]!;
  features.community_id = r.communityId;
  features.ip_version = kind === KeyKind.NonIp ? 0 : ver;
  features.app_proto = appName;
  features.state = state;
  features.end_reason = r.reason;
  features.fwd_wire_bytes = a[o + F.FwdWireBytes]!;
  features.bwd_wire_bytes = a[o + F.BwdWireBytes]!;
  features.fwd_ip_bytes = a[o + F.FwdIpBytes]!;
  features.bwd_ip_bytes = a[o + F.BwdIpBytes]!;
  features.tcp_history = tcp ? r.history : '';
  features.tcp_synack_rtt_us = synUs > 0 && synAckUs >= synUs ? synAckUs - synUs : -1;
  features.tcp_handshake_rtt_us = synUs > 0 && ackUs >= synUs ? ackUs - synUs : -1;
  features.fwd_retransmissions = a[o + F.FwdRetrans]!;
  features.bwd_retransmissions = a[o + F.BwdRetrans]!;
  features.fwd_out_of_order = a[o + F.FwdOoo]!;
  features.bwd_out_of_order = a[o + F.BwdOoo]!;
  features.dns_query = app?.dnsQuery ?? '';
  features.tls_sni = app?.sni ?? '';
  features.ja3 = app?.ja3 ?? '';
  features.ja3_hash = app?.ja3Hash ?? '';
  features.ja4 = app?.ja4 ?? '';
  features.http_host = app?.httpHost ?? '';
  features.vlan = a[o + F.Vlan]!;
  features.tunnel = TUNNEL_NAMES[encap] ?? '';
  features.tunnel_id = a[o + F.TunnelId]!;

  const protoText =
    kind === KeyKind.NonIp
      ? `0x${k[ko + K.Extra]!.toString(16).padStart(4, '0')}`
      : (PROTO_NAMES.get(proto) ?? String(proto));
  const start = usToIso(first);
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
      end: usToIso(last),
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
