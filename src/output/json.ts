/**
 * JSON-lines output: one object per packet, schema in docs/json-schema.md.
 * Absent layers are omitted; numbers stay numbers (flags, checksums, EtherType);
 * a tunnel's inner packet nests under `inner` with the same shape.
 */
import { App, Encap, type DnsMessage, type DnsRecord, type Layers, type Packet } from '../decode/packet.js';
import { arpOpName, icmp6TypeName, icmp6CodeName, icmpCodeName, icmpTypeName, ipProtoName } from '../decode/names.js';
import {
  arpAddr, dnsRcodeName, dnsTypeName, encapName, hexAddr, ip6ExtNames, tcpFlagsShort,
} from './describe.js';
import {
  ascii, type Ascii, ByteEmitter, putText, putIpv4, putIpv6Words, putMac, putUint, SLACK,
} from './emitter.js';
import type { PacketFormatter } from './formatter.js';
import { IsoTimeBytes } from './iso-time-bytes.js';

type Json = Record<string, unknown>;

/** ',"checksum_status":"good"' etc. per status. */
const STATUS: readonly Ascii[] = ['none', 'good', 'bad', 'unverifiable', 'zero'].map((n) => ascii(`,"checksum_status":"${n}"`));

function putStatus(o: DataView, p: number, s: number): number {
  return putText(o, p, STATUS[s] ?? STATUS[0]!);
}

/**
 * Writes the JSON line as bytes: the common layers (Ethernet, IP, TCP, UDP,
 * ICMP) hold only numbers and strings that need no escaping, so they are
 * emitted directly (see emitter.ts). Rarer layers with packet-supplied
 * strings (DNS, TLS, HTTP, ARP) go through JSON.stringify, which escapes them.
 */
export class JsonLinesPrinter implements PacketFormatter {
  private readonly time = new IsoTimeBytes(',"ts":"', '"');

  format(pkt: Packet, e: ByteEmitter): void {
    e.reserve(SLACK);
    e.pos = putUint(e.view, putText(e.view, e.pos, K_N), pkt.n);
    this.time.write(e, pkt.tsSec, pkt.tsNsec, pkt.tsDigits);
    const o = e.view;
    let p = putUint(o, putText(o, e.pos, K_LEN), pkt.len);
    p = putUint(o, putText(o, p, K_CAPLEN), pkt.caplen);
    if (pkt.ifIndex > 0) p = putUint(o, putText(o, p, K_IFACE), pkt.ifIndex);
    e.pos = p;
    if (pkt.sllPktType >= 0) {
      let s = `,"sll":{"pkttype":${pkt.sllPktType}`;
      if (pkt.sllAddrLen > 0) s += `,"addr":"${hexAddr(pkt.data, pkt.sllAddrOff, pkt.sllAddrLen)}"`;
      if (pkt.sllIfIndex >= 0) s += `,"ifindex":${pkt.sllIfIndex}`;
      e.str(s + '}');
    }
    layersJson(e, pkt, pkt.bytes, pkt.byteStart, pkt.byteStart + pkt.caplen);
    e.reserve(SLACK);
    e.byte(0x7d); // }
    e.byte(0x0a);
  }

}

/** The JSON object for one decoded packet (the parsed form of JsonLinesPrinter's line). */
export function packetToJson(pkt: Packet): Json {
  const e = new ByteEmitter(4096);
  new JsonLinesPrinter().format(pkt, e);
  return JSON.parse(e.take()) as Json;
}

const K_N = ascii('{"n":');
const K_LEN = ascii(',"len":');
const K_CAPLEN = ascii(',"caplen":');
const K_IFACE = ascii(',"iface":');
const K_ETH = ascii(',"eth":{"src":"');
const K_DST = ascii('","dst":"');
const K_ETH_TYPE = ascii('","type":');
const K_IP = ascii(',"ip":{"version":');
const K_PROTO = ascii(',"proto":');
const K_PROTO_NAME = ascii(',"proto_name":"');
const K_SRC = ascii('","src":"');
const K_TTL = ascii('","ttl":');
const K_ID = ascii(',"id":');
const K_TOS = ascii(',"tos":');
const K_IP_LEN = ascii(',"len":');
const K_HDR_LEN = ascii(',"hdr_len":');
const K_FLAGS = ascii(',"flags":');
const K_FRAG_OFFSET = ascii(',"frag_offset":');
const K_CHECKSUM = ascii(',"checksum":');
const K_OPTIONS_LEN = ascii(',"options_len":');
const K_TCLASS = ascii(',"tclass":');
const K_FLOW_LABEL = ascii(',"flow_label":');
const K_FRAGMENT = ascii(',"fragment":true');
const K_TCP = ascii(',"tcp":{"sport":');
const K_DPORT = ascii(',"dport":');
const K_SEQ = ascii(',"seq":');
const K_ACK = ascii(',"ack":');
const K_FLAGS_STR = ascii(',"flags_str":"');
const K_TCP_HDR_LEN = ascii('","hdr_len":');
const K_WINDOW = ascii(',"window":');
const K_URGENT = ascii(',"urgent":');
const K_OPTIONS = ascii(',"options":{');
const K_MSS = ascii(',"mss":');
const K_WSCALE = ascii(',"wscale":');
const K_SACK_PERM = ascii(',"sack_perm":true');
const K_SACK = ascii(',"sack":[');
const K_TS_VAL = ascii(',"ts_val":');
const K_TS_ECR = ascii(',"ts_ecr":');
const K_PAYLOAD_LEN = ascii(',"payload_len":');
const K_UDP = ascii(',"udp":{"sport":');
const K_LENGTH = ascii(',"length":');
const K_ICMP = ascii(',"icmp":{"type":');
const K_CODE = ascii(',"code":');
const K_TYPE_NAME = ascii(',"type_name":"');
const K_ICMP_ID = ascii(',"id":');
const K_TARGET = ascii(',"target":"');
const K_QUOTED = ascii(',"quoted":{');
const K_INNER = ascii(',"inner":{');
const K_VLAN = ascii(',"vlan":[');
const K_VLAN_ID = ascii(',{"id":');
const K_PCP = ascii(',"pcp":');
const K_DEI = ascii(',"dei":');
const K_TPID = ascii(',"tpid":');

/**
 * True right after an object opened for a nested level (`inner`, `quoted`):
 * its first member is written without the leading comma every member has.
 */
let levelOpen = false;

/** Writes a level member's key, which starts with a comma (dropped when the member comes first). */
function member(e: ByteEmitter, key: Ascii): void {
  if (levelOpen) {
    levelOpen = false;
    e.bytes(key.rest);
  } else e.bytes(key);
}

/** A member written as a string (rare layers), with the same first-member rule. */
function memberStr(e: ByteEmitter, s: string): void {
  if (levelOpen) {
    levelOpen = false;
    e.str(s.slice(1));
  } else e.str(s);
}

/** A nested level as an object: `key` ends with "{". */
function nestedLevel(e: ByteEmitter, key: Ascii, l: Layers, b: Uint8Array, base: number, end: number): void {
  e.reserve(SLACK);
  e.bytes(key);
  levelOpen = true;
  layersJson(e, l, b, base, end);
  levelOpen = false;
  e.reserve(SLACK);
  e.byte(0x7d);
}

/**
 * One level's members (link to application, then its tunnel payload), each
 * preceded by a comma. The frame is b[base, end) and layer offsets are
 * frame-relative: the common layers read the reader's buffer in place, the
 * rare ones (ARP, NDP) get a view of the frame, so no view is made per packet.
 */
function layersJson(e: ByteEmitter, l: Layers, b: Uint8Array, base: number, end: number): void {
  e.reserve(SLACK);
  if (l.hasEth) {
    member(e, K_ETH);
    const o = e.view;
    e.pos = putUint(o, putText(o, putMac(o, putText(o, putMac(o, e.pos, b, base + l.ethOff + 6), K_DST), b, base + l.ethOff), K_ETH_TYPE), l.ethType);
    if (l.llc) e.str(`,"llc":{"dsap":${l.llcDsap},"ssap":${l.llcSsap}}`);
    e.byte(0x7d);
  }
  if (l.vlanCount > 0) {
    member(e, K_VLAN);
    for (let i = 0; i < l.vlanCount; i++) {
      const tci = l.vlanTci[i]!;
      e.reserve(SLACK);
      e.bytes(i > 0 ? K_VLAN_ID : K_VLAN_ID.rest);
      e.uint(l.vlanIds[i]!);
      e.bytes(K_PCP);
      e.uint(tci >>> 13);
      e.bytes(K_DEI);
      e.uint((tci >>> 12) & 1);
      e.bytes(K_TPID);
      e.uint(l.vlanTpids[i]!);
      e.byte(0x7d);
    }
    e.byte(0x5d);
  }
  if (l.mplsCount > 0) memberStr(e, `,"mpls":[${Array.from(l.mplsLabels.subarray(0, l.mplsCount)).join(',')}]`);
  if (l.pppoeSession >= 0) memberStr(e, `,"pppoe":{"session":${l.pppoeSession}}`);
  if (l.hasArp) memberStr(e, `,"arp":${JSON.stringify(arpJson(l, b.subarray(base, end)))}`);
  if (l.ipVersion !== 0) ipJson(e, l);
  if (l.hasTcp) tcpJson(e, l);
  else if (l.hasUdp) {
    e.reserve(SLACK);
    member(e, K_UDP);
    const o = e.view;
    let p = putUint(o, putText(o, putUint(o, e.pos, l.sport), K_DPORT), l.dport);
    p = putUint(o, putText(o, p, K_LENGTH), l.udpLength);
    p = putStatus(o, putUint(o, putText(o, p, K_CHECKSUM), l.udpChecksum), l.l4ChecksumStatus);
    o.setUint8(p++, 0x7d);
    e.pos = p;
  } else if (l.hasIcmp) icmpJson(e, l, b, base, end);
  switch (l.app) {
    case App.Dns: dnsJson(e, l.dns); break;
    case App.TlsClientHello: memberStr(e, `,"tls":${JSON.stringify(tlsJson(l))}`); break;
    case App.HttpRequest: memberStr(e, `,"http":${JSON.stringify(httpJson(l))}`); break;
    default: break;
  }
  if (l.malformed !== null) memberStr(e, `,"malformed":${JSON.stringify(`${l.malformedLayer}: ${l.malformed}`)}`);
  if (l.encap !== Encap.None && l.inner !== null) {
    memberStr(e, `,"encap":"${encapName(l.encap)}"${l.tunnelId >= 0 ? `,"tunnel_id":${l.tunnelId}` : ''}`);
    nestedLevel(e, K_INNER, l.inner, b, base, end);
  }
}

/** Protocol names per number 0..255, encoded once (a dense table: a lazily filled sparse one was a slow lookup). */
const PROTO_NAMES: readonly Ascii[] = Array.from({ length: 256 }, (_, p) => ascii(ipProtoName(p)));

/** ',"ip":{"version":4,"proto":6,"proto_name":"TCP","src":"' per protocol number, for IPv4 and IPv6: the fixed start of the member. */
const IP_HEAD = (version: number): readonly Ascii[] =>
  Array.from({ length: 256 }, (_, p) => ascii(`${K_IP.text}${version}${K_PROTO.text}${p}${K_PROTO_NAME.text}${PROTO_NAMES[p]!.text}${K_SRC.text}`));
const IP4_HEAD = IP_HEAD(4);
const IP6_HEAD = IP_HEAD(6);

/** ',"hdr_len":20,"flags":2,"frag_offset":0,"checksum":' per flags value: the members between len and checksum of an IPv4 header without options, not a fragment's tail. */
const IP4_PLAIN_TAIL: readonly Ascii[] = Array.from({ length: 8 }, (_, f) => ascii(`${K_HDR_LEN.text}20${K_FLAGS.text}${f}${K_FRAG_OFFSET.text}0${K_CHECKSUM.text}`));

function ipJson(e: ByteEmitter, l: Layers): void {
  e.reserve(SLACK);
  const v4 = l.ipVersion === 4;
  const head = v4 ? IP4_HEAD[l.ipProto] : l.ipVersion === 6 ? IP6_HEAD[l.ipProto] : undefined;
  let p: number;
  const o = e.view;
  if (head !== undefined) {
    member(e, head);
    p = e.pos;
  } else {
    member(e, K_IP);
    p = putUint(o, putText(o, putUint(o, e.pos, l.ipVersion), K_PROTO), l.ipProto);
    p = putText(o, putText(o, p, K_PROTO_NAME), (PROTO_NAMES[l.ipProto] ?? ascii(ipProtoName(l.ipProto))));
    p = putText(o, p, K_SRC);
  }
  p = v4 ? putIpv4(o, p, l.src4) : putIpv6Words(o, p, l.src6);
  p = putText(o, p, K_DST);
  p = v4 ? putIpv4(o, p, l.dst4) : putIpv6Words(o, p, l.dst6);
  p = putUint(o, putText(o, p, K_TTL), l.ipTtl);
  if (v4) {
    p = putUint(o, putText(o, p, K_ID), l.ipId);
    p = putUint(o, putText(o, p, K_TOS), l.ipTos);
    p = putUint(o, putText(o, p, K_IP_LEN), l.ipTotalLen);
    if (l.ipHdrLen === 20 && l.ipFragOffset === 0 && l.ipFlags >= 0 && l.ipFlags < 8) p = putText(o, p, IP4_PLAIN_TAIL[l.ipFlags]!);
    else {
      p = putUint(o, putText(o, p, K_HDR_LEN), l.ipHdrLen);
      p = putUint(o, putText(o, p, K_FLAGS), l.ipFlags);
      p = putText(o, putUint(o, putText(o, p, K_FRAG_OFFSET), l.ipFragOffset), K_CHECKSUM);
    }
    p = putStatus(o, putUint(o, p, l.ipChecksum), l.ipChecksumStatus);
    if (l.ipOptionsLen > 0) p = putUint(o, putText(o, p, K_OPTIONS_LEN), l.ipOptionsLen);
  } else {
    p = putUint(o, putText(o, p, K_TCLASS), l.ipTos);
    p = putUint(o, putText(o, p, K_FLOW_LABEL), l.ip6FlowLabel);
    p = putUint(o, putText(o, p, K_IP_LEN), l.ipTotalLen);
    p = putUint(o, putText(o, p, K_HDR_LEN), l.ipHdrLen);
    if (l.ip6Ext !== 0) p = putText(o, p, ascii(`,"ext":${JSON.stringify(ip6ExtNames(l.ip6Ext))}`));
    if (l.ipIsFragment) {
      p = putUint(o, putText(o, p, K_ID), l.ip6FragId);
      p = putUint(o, putText(o, p, K_FLAGS), l.ipFlags);
      p = putUint(o, putText(o, p, K_FRAG_OFFSET), l.ipFragOffset);
    }
  }
  if (l.ipIsFragment) p = putText(o, p, K_FRAGMENT);
  o.setUint8(p++, 0x7d);
  e.pos = p;
}

function tcpJson(e: ByteEmitter, l: Layers): void {
  e.reserve(SLACK);
  member(e, K_TCP);
  const o = e.view;
  let p = putUint(o, putText(o, putUint(o, e.pos, l.sport), K_DPORT), l.dport);
  p = putUint(o, putText(o, p, K_SEQ), l.tcpSeq);
  p = putUint(o, putText(o, p, K_ACK), l.tcpAck);
  if (l.tcpFlags >= 0 && l.tcpFlags < 512) p = putText(o, p, TCP_FLAGS_MEMBERS[l.tcpFlags]!);
  else p = putText(o, putText(o, putText(o, putUint(o, putText(o, p, K_FLAGS), l.tcpFlags), K_FLAGS_STR), ascii(tcpFlagsShort(l.tcpFlags))), K_TCP_HDR_LEN);
  p = putUint(o, p, l.tcpHdrLen);
  p = putUint(o, putText(o, p, K_WINDOW), l.tcpWindow);
  p = putStatus(o, putUint(o, putText(o, p, K_CHECKSUM), l.tcpChecksum), l.l4ChecksumStatus);
  if (l.tcpUrgent !== 0) p = putUint(o, putText(o, p, K_URGENT), l.tcpUrgent);
  if (l.tcpMss >= 0 || l.tcpWscale >= 0 || l.tcpSackPerm || l.tcpHasTs || l.tcpSackCount > 0) p = putTcpOptions(o, p, l);
  if (l.payloadLen > 0) p = putUint(o, putText(o, p, K_PAYLOAD_LEN), l.payloadLen);
  o.setUint8(p++, 0x7d);
  e.pos = p;
}

/** ',"options":{…}' of a segment that has some. */
function putTcpOptions(o: DataView, p: number, l: Layers): number {
  p = putText(o, p, K_OPTIONS);
  // Each option key starts with ','; the first one's is skipped.
  let first = true;
  if (l.tcpMss >= 0) {
    p = putUint(o, putText(o, p, first ? K_MSS.rest : K_MSS), l.tcpMss);
    first = false;
  }
  if (l.tcpWscale >= 0) {
    p = putUint(o, putText(o, p, first ? K_WSCALE.rest : K_WSCALE), l.tcpWscale);
    first = false;
  }
  if (l.tcpSackPerm) {
    p = putText(o, p, first ? K_SACK_PERM.rest : K_SACK_PERM);
    first = false;
  }
  if (l.tcpSackCount > 0) {
    p = putText(o, p, first ? K_SACK.rest : K_SACK);
    for (let i = 0; i < l.tcpSackCount; i++) {
      if (i > 0) o.setUint8(p++, 0x2c);
      o.setUint8(p++, 0x5b);
      p = putUint(o, p, l.tcpSack[2 * i]!);
      o.setUint8(p++, 0x2c);
      p = putUint(o, p, l.tcpSack[2 * i + 1]!);
      o.setUint8(p++, 0x5d);
    }
    o.setUint8(p++, 0x5d);
    first = false;
  }
  if (l.tcpHasTs) p = putUint(o, putText(o, putUint(o, putText(o, p, first ? K_TS_VAL.rest : K_TS_VAL), l.tcpTsVal), K_TS_ECR), l.tcpTsEcr);
  o.setUint8(p++, 0x7d);
  return p;
}

/** tcpdump's one-letter flags per 9-bit value. */
/** ',"flags":24,"flags_str":"P.","hdr_len":' per 9-bit flag value. */
const TCP_FLAGS_MEMBERS: readonly Ascii[] = Array.from({ length: 512 }, (_, v) => ascii(`${K_FLAGS.text}${v}${K_FLAGS_STR.text}${tcpFlagsShort(v)}${K_TCP_HDR_LEN.text}`));

function icmpJson(e: ByteEmitter, l: Layers, b: Uint8Array, base: number, end: number): void {
  const v6 = l.ipVersion === 6;
  e.reserve(SLACK);
  member(e, K_ICMP);
  e.uint(l.icmpType);
  e.bytes(K_CODE);
  e.uint(l.icmpCode);
  e.bytes(K_TYPE_NAME);
  e.str(v6 ? icmp6TypeName(l.icmpType) : icmpTypeName(l.icmpType));
  e.byte(0x22);
  const codeName = v6 ? icmp6CodeName(l.icmpType, l.icmpCode) : icmpCodeName(l.icmpType, l.icmpCode);
  if (codeName !== '') e.str(`,"code_name":${JSON.stringify(codeName)}`);
  e.pos = putStatus(e.view, putUint(e.view, putText(e.view, e.pos, K_CHECKSUM), l.icmpChecksum), l.l4ChecksumStatus);
  if (l.icmpId >= 0) {
    e.bytes(K_ICMP_ID);
    e.uint(l.icmpId);
  }
  if (l.icmpSeq >= 0) {
    e.bytes(K_SEQ);
    e.uint(l.icmpSeq);
  }
  if (l.ndpTargetOff > 0) {
    e.bytes(K_TARGET);
    e.str(arpAddr(b.subarray(base, end), l.ndpTargetOff, 16));
    e.byte(0x22);
  }
  if (l.hasQuoted && l.quoted !== null) nestedLevel(e, K_QUOTED, l.quoted, b, base, end);
  e.reserve(SLACK);
  e.byte(0x7d);
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

/** A JSON string: packet-supplied text needing no escapes is written as is, any other through JSON.stringify. */
function jsonStr(e: ByteEmitter, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Quote, backslash, control characters and surrogates (lone ones are escaped) take JSON.stringify's path.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      e.str(JSON.stringify(s));
      return;
    }
  }
  e.reserve(SLACK);
  e.byte(0x22);
  e.str(s);
  e.byte(0x22);
}

const K_DNS = ascii(',"dns":{"id":');
const K_QR = ascii(',"qr":');
const K_OPCODE = ascii(',"opcode":');
const K_RCODE = ascii(',"rcode":');
const K_RCODE_NAME = ascii(',"rcode_name":');
const K_AA = ascii(',"aa":');
const K_TC = ascii(',"tc":');
const K_RD = ascii(',"rd":');
const K_RA = ascii(',"ra":');
const K_QDCOUNT = ascii(',"qdcount":');
const K_ANCOUNT = ascii(',"ancount":');
const K_NSCOUNT = ascii(',"nscount":');
const K_ARCOUNT = ascii(',"arcount":');
const K_QUESTIONS = ascii(',"questions":[');
const K_ANSWERS = ascii('],"answers":[');
const K_AUTHORITY = ascii('],"authority":[');
const K_ADDITIONAL = ascii('],"additional":[');
const K_TRANSPORT = ascii('],"transport":');
const K_FLAVOUR = ascii(',"flavour":');
const K_RR_NAME = ascii(',{"name":');
const K_RR_TYPE = ascii(',"type":');
const K_RR_TYPE_NAME = ascii(',"type_name":');
const K_RR_CLASS = ascii(',"class":');
const K_RR_TTL = ascii(',"ttl":');
const K_RR_DATA = ascii(',"data":');
const TRUE = ascii('true');
const FALSE = ascii('false');

function bool(e: ByteEmitter, key: Ascii, v: boolean): void {
  e.bytes(key);
  e.bytes(v ? TRUE : FALSE);
}

function num(e: ByteEmitter, key: Ascii, v: number): void {
  e.bytes(key);
  e.uint(v);
}

/** The records of one section, as JSON.stringify would write {name, type, type_name, class[, ttl, data]} objects. */
function rrList(e: ByteEmitter, list: DnsRecord[], count: number, withTtl: boolean): void {
  const n = Math.min(count, list.length);
  for (let i = 0; i < n; i++) {
    const r = list[i]!;
    e.reserve(SLACK);
    e.bytes(i > 0 ? K_RR_NAME : K_RR_NAME.rest);
    jsonStr(e, r.name);
    num(e, K_RR_TYPE, r.type);
    e.bytes(K_RR_TYPE_NAME);
    jsonStr(e, dnsTypeName(r.type));
    num(e, K_RR_CLASS, r.cls);
    if (withTtl) {
      num(e, K_RR_TTL, r.ttl);
      e.bytes(K_RR_DATA);
      jsonStr(e, r.data);
    }
    e.byte(0x7d);
  }
}

function dnsJson(e: ByteEmitter, d: DnsMessage): void {
  e.reserve(SLACK);
  member(e, K_DNS);
  e.uint(d.id);
  bool(e, K_QR, d.qr);
  num(e, K_OPCODE, d.opcode);
  num(e, K_RCODE, d.rcode);
  e.bytes(K_RCODE_NAME);
  jsonStr(e, dnsRcodeName(d.rcode));
  num(e, K_FLAGS, d.flags);
  bool(e, K_AA, d.aa);
  bool(e, K_TC, d.tc);
  bool(e, K_RD, d.rd);
  bool(e, K_RA, d.ra);
  num(e, K_QDCOUNT, d.qdcount);
  num(e, K_ANCOUNT, d.ancount);
  num(e, K_NSCOUNT, d.nscount);
  num(e, K_ARCOUNT, d.arcount);
  e.bytes(K_QUESTIONS);
  rrList(e, d.questions, d.questionCount, false);
  e.reserve(SLACK);
  e.bytes(K_ANSWERS);
  rrList(e, d.answers, d.answerCount, true);
  e.reserve(SLACK);
  e.bytes(K_AUTHORITY);
  rrList(e, d.authority, d.authorityCount, true);
  e.reserve(SLACK);
  e.bytes(K_ADDITIONAL);
  rrList(e, d.additional, d.additionalCount, true);
  e.reserve(SLACK);
  e.bytes(K_TRANSPORT);
  jsonStr(e, d.transport);
  e.bytes(K_FLAVOUR);
  jsonStr(e, d.flavour);
  e.byte(0x7d);
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
