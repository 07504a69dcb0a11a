/**
 * JSON-lines output: one object per packet, schema in docs/json-schema.md.
 * Absent layers are omitted; numbers stay numbers (flags, checksums, EtherType);
 * a tunnel's inner packet nests under `inner` with the same shape.
 */
import { App, Encap, type DnsMessage, type DnsRecord, type Layers, type Packet } from '../decode/packet.js';
import { arpOpName, icmp6TypeName, icmp6CodeName, icmpCodeName, icmpTypeName, ipProtoName } from '../decode/names.js';
import {
  arpAddr, dnsRcodeName, dnsTypeName, dstAddr, encapName, ethDst, ethSrc, hexAddr, ip6ExtNames, srcAddr,
  tcpFlagsShort, IsoTimeFormatter,
} from './describe.js';
import type { PacketFormatter } from './formatter.js';

type Json = Record<string, unknown>;

const STATUS = ['"none"', '"good"', '"bad"', '"unverifiable"', '"zero"'];

function status(s: number): string {
  return STATUS[s] ?? '"none"';
}

/**
 * Builds the JSON line directly: the common layers (Ethernet, IP, TCP, UDP,
 * ICMP) hold only numbers and strings that need no escaping, so string
 * concatenation is several times faster than JSON.stringify on an object.
 * Rarer layers with packet-supplied strings (DNS, TLS, HTTP, ARP) go through
 * JSON.stringify, which escapes them.
 */
export class JsonLinesPrinter implements PacketFormatter {
  private readonly time = new IsoTimeFormatter();

  format(pkt: Packet): string {
    let s = `{"n":${pkt.n},"ts":"${this.time.format(pkt.tsSec, pkt.tsNsec, pkt.tsDigits)}","len":${pkt.len},"caplen":${pkt.caplen}`;
    if (pkt.ifIndex > 0) s += `,"iface":${pkt.ifIndex}`;
    if (pkt.sllPktType >= 0) {
      s += `,"sll":{"pkttype":${pkt.sllPktType}`;
      if (pkt.sllAddrLen > 0) s += `,"addr":"${hexAddr(pkt.data, pkt.sllAddrOff, pkt.sllAddrLen)}"`;
      if (pkt.sllIfIndex >= 0) s += `,"ifindex":${pkt.sllIfIndex}`;
      s += '}';
    }
    return `${s}${layersJson(pkt, pkt.data)}}\n`;
  }
}

/** The JSON object for one decoded packet (the parsed form of JsonLinesPrinter's line). */
export function packetToJson(pkt: Packet): Json {
  return JSON.parse(new JsonLinesPrinter().format(pkt)) as Json;
}

/** One level's members (link to application, then its tunnel payload), each preceded by a comma. */
function layersJson(l: Layers, b: Uint8Array): string {
  let s = '';
  if (l.hasEth) {
    s += `,"eth":{"src":"${ethSrc(b, l)}","dst":"${ethDst(b, l)}","type":${l.ethType}`;
    if (l.llc) s += `,"llc":{"dsap":${l.llcDsap},"ssap":${l.llcSsap}}`;
    s += '}';
  }
  if (l.vlanCount > 0) {
    s += ',"vlan":[';
    for (let i = 0; i < l.vlanCount; i++) {
      const tci = l.vlanTci[i]!;
      s += `${i > 0 ? ',' : ''}{"id":${l.vlanIds[i]},"pcp":${tci >>> 13},"dei":${(tci >>> 12) & 1},"tpid":${l.vlanTpids[i]}}`;
    }
    s += ']';
  }
  if (l.mplsCount > 0) s += `,"mpls":[${Array.from(l.mplsLabels.subarray(0, l.mplsCount)).join(',')}]`;
  if (l.pppoeSession >= 0) s += `,"pppoe":{"session":${l.pppoeSession}}`;
  if (l.hasArp) s += `,"arp":${JSON.stringify(arpJson(l, b))}`;
  if (l.ipVersion !== 0) s += ipJson(l);
  if (l.hasTcp) s += tcpJson(l);
  else if (l.hasUdp) {
    s += `,"udp":{"sport":${l.sport},"dport":${l.dport},"length":${l.udpLength},"checksum":${l.udpChecksum},"checksum_status":${status(l.l4ChecksumStatus)}}`;
  } else if (l.hasIcmp) s += icmpJson(l, b);
  switch (l.app) {
    case App.Dns: s += `,"dns":${JSON.stringify(dnsJson(l.dns))}`; break;
    case App.TlsClientHello: s += `,"tls":${JSON.stringify(tlsJson(l))}`; break;
    case App.HttpRequest: s += `,"http":${JSON.stringify(httpJson(l))}`; break;
    default: break;
  }
  if (l.malformed !== null) s += `,"malformed":${JSON.stringify(`${l.malformedLayer}: ${l.malformed}`)}`;
  if (l.encap !== Encap.None && l.inner !== null) {
    s += `,"encap":"${encapName(l.encap)}"`;
    if (l.tunnelId >= 0) s += `,"tunnel_id":${l.tunnelId}`;
    s += `,"inner":{${layersJson(l.inner, b).slice(1)}}`;
  }
  return s;
}

function ipJson(l: Layers): string {
  let s = `,"ip":{"version":${l.ipVersion},"proto":${l.ipProto},"proto_name":"${ipProtoName(l.ipProto)}","src":"${srcAddr(l)}","dst":"${dstAddr(l)}","ttl":${l.ipTtl}`;
  if (l.ipVersion === 4) {
    s += `,"id":${l.ipId},"tos":${l.ipTos},"len":${l.ipTotalLen},"hdr_len":${l.ipHdrLen},"flags":${l.ipFlags},"frag_offset":${l.ipFragOffset}`;
    s += `,"checksum":${l.ipChecksum},"checksum_status":${status(l.ipChecksumStatus)}`;
    if (l.ipOptionsLen > 0) s += `,"options_len":${l.ipOptionsLen}`;
  } else {
    s += `,"tclass":${l.ipTos},"flow_label":${l.ip6FlowLabel},"len":${l.ipTotalLen},"hdr_len":${l.ipHdrLen}`;
    if (l.ip6Ext !== 0) s += `,"ext":${JSON.stringify(ip6ExtNames(l.ip6Ext))}`;
    if (l.ipIsFragment) s += `,"id":${l.ip6FragId},"flags":${l.ipFlags},"frag_offset":${l.ipFragOffset}`;
  }
  if (l.ipIsFragment) s += ',"fragment":true';
  return s + '}';
}

function tcpJson(l: Layers): string {
  let s = `,"tcp":{"sport":${l.sport},"dport":${l.dport},"seq":${l.tcpSeq},"ack":${l.tcpAck},"flags":${l.tcpFlags},"flags_str":"${tcpFlagsShort(l.tcpFlags)}"`;
  s += `,"hdr_len":${l.tcpHdrLen},"window":${l.tcpWindow},"checksum":${l.tcpChecksum},"checksum_status":${status(l.l4ChecksumStatus)}`;
  if (l.tcpUrgent !== 0) s += `,"urgent":${l.tcpUrgent}`;
  if (l.tcpMss >= 0 || l.tcpWscale >= 0 || l.tcpSackPerm || l.tcpHasTs || l.tcpSackCount > 0) {
    let o = '';
    if (l.tcpMss >= 0) o += `,"mss":${l.tcpMss}`;
    if (l.tcpWscale >= 0) o += `,"wscale":${l.tcpWscale}`;
    if (l.tcpSackPerm) o += ',"sack_perm":true';
    if (l.tcpSackCount > 0) {
      o += ',"sack":[';
      for (let i = 0; i < l.tcpSackCount; i++) o += `${i > 0 ? ',' : ''}[${l.tcpSack[2 * i]},${l.tcpSack[2 * i + 1]}]`;
      o += ']';
    }
    if (l.tcpHasTs) o += `,"ts_val":${l.tcpTsVal},"ts_ecr":${l.tcpTsEcr}`;
    s += `,"options":{${o.slice(1)}}`;
  }
  if (l.payloadLen > 0) s += `,"payload_len":${l.payloadLen}`;
  return s + '}';
}

function icmpJson(l: Layers, b: Uint8Array): string {
  const v6 = l.ipVersion === 6;
  let s = `,"icmp":{"type":${l.icmpType},"code":${l.icmpCode},"type_name":"${v6 ? icmp6TypeName(l.icmpType) : icmpTypeName(l.icmpType)}"`;
  const codeName = v6 ? icmp6CodeName(l.icmpType, l.icmpCode) : icmpCodeName(l.icmpType, l.icmpCode);
  if (codeName !== '') s += `,"code_name":${JSON.stringify(codeName)}`;
  s += `,"checksum":${l.icmpChecksum},"checksum_status":${status(l.l4ChecksumStatus)}`;
  if (l.icmpId >= 0) s += `,"id":${l.icmpId}`;
  if (l.icmpSeq >= 0) s += `,"seq":${l.icmpSeq}`;
  if (l.ndpTargetOff > 0) s += `,"target":"${arpAddr(b, l.ndpTargetOff, 16)}"`;
  if (l.hasQuoted && l.quoted !== null) s += `,"quoted":{${layersJson(l.quoted, b).slice(1)}}`;
  return s + '}';
}

function arpJson(l: Layers, b: Uint8Array): Json {
  return {
    op: l.arpOp,
    op_name: arpOpName(l.arpOp),
    sha: arpAddr(b, l.arpShaOff, l.arpHlen),
    spa: arpAddr(b, l.arpSpaOff, l.arpPlen),
    tha: arpAddr(b, l.arpThaOff, l.arpHlen),
    tpa: arpAddr(b, l.arpTpaOff, l.arpPlen),
  };
}

function rrJson(r: DnsRecord, withTtl: boolean): Json {
  const o: Json = { name: r.name, type: r.type, type_name: dnsTypeName(r.type), class: r.cls };
  if (withTtl) {
    o.ttl = r.ttl;
    o.data = r.data;
  }
  return o;
}

function rrList(list: DnsRecord[], count: number, withTtl: boolean): Json[] {
  const out: Json[] = [];
  const n = Math.min(count, list.length);
  for (let i = 0; i < n; i++) out.push(rrJson(list[i]!, withTtl));
  return out;
}

function dnsJson(d: DnsMessage): Json {
  return {
    id: d.id,
    qr: d.qr,
    opcode: d.opcode,
    rcode: d.rcode,
    rcode_name: dnsRcodeName(d.rcode),
    flags: d.flags,
    aa: d.aa,
    tc: d.tc,
    rd: d.rd,
    ra: d.ra,
    qdcount: d.qdcount,
    ancount: d.ancount,
    nscount: d.nscount,
    arcount: d.arcount,
    questions: rrList(d.questions, d.questionCount, false),
    answers: rrList(d.answers, d.answerCount, true),
    authority: rrList(d.authority, d.authorityCount, true),
    additional: rrList(d.additional, d.additionalCount, true),
    transport: d.transport,
    flavour: d.flavour,
  };
}

function tlsJson(l: Layers): Json {
  const t = l.tls;
  const o: Json = { version: t.version, record_version: t.recordVersion };
  if (t.sni !== '') o.sni = t.sni;
  if (t.alpn.length > 0) o.alpn = t.alpn.slice();
  if (t.supportedVersions.length > 0) o.supported_versions = t.supportedVersions.slice();
  o.ja3 = t.ja3;
  o.ja3_hash = t.ja3Hash;
  o.ja4 = t.ja4;
  if (t.overQuic) o.quic = true;
  return o;
}

function httpJson(l: Layers): Json {
  const h = l.http;
  const o: Json = { method: h.method, uri: h.uri, version: h.version };
  if (h.host !== '') o.host = h.host;
  if (h.userAgent !== '') o.user_agent = h.userAgent;
  return o;
}
