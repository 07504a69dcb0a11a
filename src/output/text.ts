/**
 * `--format text` (the default): a block per packet. The first lines carry
 * what the original prototype printed (number, timestamp, Ethernet MACs, IP
 * version/protocol/addresses, TCP ports/flags/window/checksum, UDP
 * ports/length/checksum); further lines show every other decoded layer.
 *
 *   Packet 1  2020-06-10T09:21:03.720289Z  74 bytes (74 captured)
 *     Ethernet  00:11:22:33:44:55 -> 66:77:88:99:aa:bb  type 0x0800 (IPv4)
 *     IPv4      TCP (6)  10.0.0.1 -> 10.0.0.2  ttl 64  id 0x1c46  len 60
 *     TCP       51234 -> 80  flags [SYN] 0x002  window 64240  checksum 0x1c46 (good)
 *
 * Each line is a layer name padded to a fixed column, then "key value" pairs
 * separated by two spaces, so the output stays aligned and greppable.
 * Common layers are written as bytes (see emitter.ts); rare ones and those
 * carrying packet-supplied text (DNS, TLS, HTTP) build their line as a string.
 */
import { App, Encap, type CsumStatus, type DnsMessage, type DnsRecord, type Layers, type Packet } from '../decode/packet.js';
import { arpOpName, etherTypeName, icmp6CodeName, icmp6TypeName, icmpCodeName, icmpTypeName, ipProtoName } from '../decode/names.js';
import { hex } from '../util/format.js';
import {
  arpAddr, csumName, dnsRcodeName, dnsTypeName, encapName, hexAddr, ip6ExtNames, isGrease,
  hexByte, hexWord, printable, tcpFlagsLong, tlsVersionName,
} from './describe.js';
import {
  ascii, type Ascii, putText, putHex, putIpv4, putIpv6Words, putMac, putUint, putWord, SLACK, word, type ByteEmitter,
} from './emitter.js';
import type { PacketFormatter } from './formatter.js';
import { IsoTimeBytes } from './iso-time-bytes.js';
import { CSUM_TAIL, CSUM_TAIL_SEQ, hasTcpOptions, isCommonIp4, LABEL_WIDTH, putCommonIp4, putTcpOptions, TCP_FLAGS_TEXT } from './text-common.js';

/** DNS records shown per section before "... N more". */
const MAX_DNS_RECORDS = 8;

/** Labels padded once here rather than per line. */
const padded = new Map<string, Ascii>();

/** Starts a line: `ind` spaces, then the label padded to its column. */
function head(e: ByteEmitter, ind: number, label: Ascii): void {
  e.reserve(SLACK);
  const o = e.view;
  let p = e.pos;
  let i = ind;
  for (; i >= 2; i -= 2, p += 2) o.setUint16(p, TWO_SPACES);
  if (i > 0) o.setUint8(p++, SPACE);
  e.pos = putText(o, p, label);
}

function label(name: string): Ascii {
  let p = padded.get(name);
  if (p === undefined) {
    p = ascii(name.padEnd(LABEL_WIDTH));
    padded.set(name, p);
  }
  return p;
}

/** A whole line whose body is a string (rare layers, packet-supplied text). */
function line(e: ByteEmitter, ind: number, name: string, body: string): void {
  head(e, ind, label(name));
  e.str(body);
  e.byte(NEWLINE);
}

const SPACE = 0x20;
const TWO_SPACES = 0x2020;
const SLASH = 0x2f;
const NEWLINE = 0x0a;
const L_ETHERNET = label('Ethernet');
const L_VLAN = label('VLAN');
const L_IPV4 = label('IPv4');
const L_IPV6 = label('IPv6');
const L_TCP = label('TCP');
const L_UDP = label('UDP');
const L_ICMP = label('ICMP');
const L_ICMPV6 = label('ICMPv6');
const L_NONE = label('');
const W_PACKET = word('Packet ');
const W_TWO = ascii('  ');
const W_BYTES = word(' bytes (');
const W_CAPTURED = ascii(' captured)');
const W_CAPTURED_NEWLINE = ascii(' captured)\n');
const W_INTERFACE = ascii('  interface ');
const W_ARROW = ascii(' -> ');
const W_ID = ascii('id ');
const W_PCP = ascii('  pcp ');
const W_DEI = ascii('  dei ');
const W_TPID = ascii('  tpid ');
const W_TTL = ascii('  ttl ');
const W_IP_ID = ascii('  id ');
const W_LEN = ascii('  len ');
const W_DF = ascii('  DF');
const W_FRAG_OFFSET = ascii('  fragment offset ');
const W_MF = ascii(' MF');
const W_CHECKSUM = ascii('  checksum ');
const W_OPTIONS_LEN = ascii('  options ');
const W_OPTIONS_BYTES = ascii(' bytes');
const W_HOP_LIMIT = ascii('  hop limit ');
const W_FLOW = ascii('  flow ');
const W_EXT = ascii('  ext ');
const W_FRAG_ID = ascii('  fragment id ');
const W_OFFSET = ascii(' offset ');
const W_WINDOW = ascii('  window ');
const W_SEQ = ascii('  seq ');
const W_ACK = ascii('  ack ');
const W_PAYLOAD = ascii('  payload ');
const W_OPTIONS = ascii('options');
const W_LENGTH = ascii('  length ');
const W_ICMP_TYPE = ascii('  type ');
const W_CODE = ascii(' code ');
const W_TARGET = ascii('  target ');
/** "  checksum 0x1c46 (good)". */
function putChecksum(o: DataView, p: number, value: number, status: CsumStatus): number {
  p = putHex(o, putText(o, p, W_CHECKSUM), value, 4);
  return putText(o, p, CSUM_TAIL[status] ?? ascii(` (${csumName(status)})`));
}

/** "TCP (6)  " per protocol number (all 256 encoded once: a dense table), and " (IPv4)" per EtherType, encoded on first use. */
const PROTO_TEXT: readonly Ascii[] = Array.from({ length: 256 }, (_, p) => ascii(`${ipProtoName(p)} (${p})  `));
const ETHER_TYPE_TEXT = new Map<number, Ascii>();
/** The last EtherType looked up and its text: consecutive frames mostly share it. */
let lastEtherType = -1;
let lastEtherTypeText = ascii('');

/** "  type 0x0800 (IPv4)" and the line's end, per EtherType. */
function etherTypeText(t: number): Ascii {
  if (t === lastEtherType) return lastEtherTypeText;
  let a = ETHER_TYPE_TEXT.get(t);
  if (a === undefined) {
    a = ascii(`  type ${hex(t, 4)} (${etherTypeName(t)})\n`);
    ETHER_TYPE_TEXT.set(t, a);
  }
  lastEtherType = t;
  lastEtherTypeText = a;
  return a;
}

export class TextPrinter implements PacketFormatter {
  private readonly time = new IsoTimeBytes('  ', '  ');

  /**
   * `fused`: write the first lines of the commonest packets in one pass
   * (text-common.ts). The layer-by-layer path taken with false defines the
   * text; test/output/text-fused.test.ts holds the two to the same bytes.
   */
  constructor(private readonly fused = true) {}

  format(pkt: Packet, e: ByteEmitter): void {
    e.reserve(SLACK);
    e.pos = putUint(e.view, putWord(e.view, e.pos, W_PACKET), pkt.n);
    this.time.write(e, pkt.tsSec, pkt.tsNsec, pkt.tsDigits);
    const o = e.view;
    let p = putUint(o, putWord(o, putUint(o, e.pos, pkt.len), W_BYTES), pkt.caplen);
    const b = pkt.bytes;
    const base = pkt.byteStart;
    const end = base + pkt.caplen;
    if (this.fused && pkt.ifIndex <= 0 && pkt.sllPktType < 0 && isCommonIp4(pkt)) {
      e.pos = putCommonIp4(o, p, pkt, b, base);
      layersTail(e, pkt, b, base, end, 2);
    } else {
      if (pkt.ifIndex > 0) {
        p = putUint(o, putText(o, putText(o, p, W_CAPTURED), W_INTERFACE), pkt.ifIndex);
        o.setUint8(p++, NEWLINE);
      } else p = putText(o, p, W_CAPTURED_NEWLINE);
      e.pos = p;
      if (pkt.sllPktType >= 0) sllText(e, pkt);
      layersText(e, pkt, b, base, end, 2);
    }
    e.reserve(SLACK);
    e.byte(NEWLINE);
  }
}

function sllText(e: ByteEmitter, pkt: Packet): void {
  let body = `packet type ${pkt.sllPktType}`;
  if (pkt.sllAddrLen > 0) body += `  address ${hexAddr(pkt.data, pkt.sllAddrOff, pkt.sllAddrLen)}`;
  if (pkt.sllIfIndex >= 0) body += `  ifindex ${pkt.sllIfIndex}`;
  line(e, 2, 'SLL', body);
}

/**
 * One level's lines. The frame is b[base, end) and layer offsets are
 * frame-relative: the common layers read the reader's buffer in place, the
 * rare ones (ARP, NDP) get a view of the frame, so no view is made per packet.
 */
function layersText(e: ByteEmitter, l: Layers, b: Uint8Array, base: number, end: number, ind: number): void {
  if (l.hasEth) ethText(e, l, b, base, ind);
  for (let i = 0; i < l.vlanCount; i++) {
    const tci = l.vlanTci[i]!;
    head(e, ind, L_VLAN);
    e.bytes(W_ID);
    e.uint(l.vlanIds[i]!);
    e.bytes(W_PCP);
    e.uint(tci >>> 13);
    e.bytes(W_DEI);
    e.uint((tci >>> 12) & 1);
    e.bytes(W_TPID);
    e.hex(l.vlanTpids[i]!, 4);
    e.byte(NEWLINE);
  }
  if (l.mplsCount > 0) line(e, ind, 'MPLS', `labels ${Array.from(l.mplsLabels.subarray(0, l.mplsCount)).join(' ')}`);
  if (l.pppoeSession >= 0) line(e, ind, 'PPPoE', `session ${hexWord(l.pppoeSession)}`);
  if (l.hasArp) line(e, ind, 'ARP', arpBody(l, b.subarray(base, end)));
  if (l.ipVersion === 4) ip4Text(e, l, ind);
  else if (l.ipVersion !== 0) ip6Text(e, l, ind);
  if (l.hasTcp) tcpText(e, l, ind);
  else if (l.hasUdp) {
    head(e, ind, L_UDP);
    const o = e.view;
    let p = putUint(o, putText(o, putUint(o, e.pos, l.sport), W_ARROW), l.dport);
    p = putUint(o, putText(o, p, W_LENGTH), l.udpLength);
    p = putChecksum(o, p, l.udpChecksum, l.l4ChecksumStatus);
    o.setUint8(p++, NEWLINE);
    e.pos = p;
  } else if (l.hasIcmp) icmpText(e, l, b, base, end, ind);
  layersTail(e, l, b, base, end, ind);
}

/** The lines after the transport layer's: application, malformed mark, tunnel and its inner packet. */
function layersTail(e: ByteEmitter, l: Layers, b: Uint8Array, base: number, end: number, ind: number): void {
  switch (l.app) {
    case App.Dns: dnsText(e, l.dns, ind); break;
    case App.TlsClientHello: tlsText(e, l, ind); break;
    case App.HttpRequest: httpText(e, l, ind); break;
    default: break;
  }
  if (l.malformed !== null) line(e, ind, 'Malformed', printable(`${l.malformedLayer}: ${l.malformed}`));
  if (l.encap !== Encap.None && l.inner !== null) {
    line(e, ind, 'Tunnel', encapName(l.encap) + (l.tunnelId >= 0 ? `  id ${l.tunnelId}` : '') + '  inner packet:');
    layersText(e, l.inner, b, base, end, ind + 2);
  }
}

function ethText(e: ByteEmitter, l: Layers, b: Uint8Array, base: number, ind: number): void {
  head(e, ind, L_ETHERNET);
  e.pos = putMac(e.view, putText(e.view, putMac(e.view, e.pos, b, base + l.ethOff + 6), W_ARROW), b, base + l.ethOff);
  if (l.llc) {
    e.str(`  802.3 length ${l.ethType}  LLC dsap ${hexByte(l.llcDsap)} ssap ${hexByte(l.llcSsap)}`);
    e.byte(NEWLINE);
  } else e.pos = putText(e.view, e.pos, etherTypeText(l.ethType));
}

function arpBody(l: Layers, b: Uint8Array): string {
  const spa = arpAddr(b, l.arpSpaOff, l.arpPlen);
  const tpa = arpAddr(b, l.arpTpaOff, l.arpPlen);
  const sha = arpAddr(b, l.arpShaOff, l.arpHlen);
  const tha = arpAddr(b, l.arpThaOff, l.arpHlen);
  if (l.arpOp === 1) return `request  who-has ${tpa} tell ${spa} (${sha})`;
  if (l.arpOp === 2) return `reply  ${spa} is-at ${sha}  to ${tpa} (${tha})`;
  return `${arpOpName(l.arpOp)}  sender ${spa} (${sha})  target ${tpa} (${tha})`;
}

/** "TCP (6)  " per protocol number. */
function protoText(proto: number): Ascii {
  return PROTO_TEXT[proto] ?? ascii(`${ipProtoName(proto)} (${proto})  `);
}

function ip4Text(e: ByteEmitter, l: Layers, ind: number): void {
  head(e, ind, L_IPV4);
  const o = e.view;
  let p = putIpv4(o, putText(o, e.pos, protoText(l.ipProto)), l.src4);
  p = putIpv4(o, putText(o, p, W_ARROW), l.dst4);
  p = putUint(o, putText(o, p, W_TTL), l.ipTtl);
  p = putHex(o, putText(o, p, W_IP_ID), l.ipId, 4);
  p = putUint(o, putText(o, p, W_LEN), l.ipTotalLen);
  if (l.ipFlags & 2) p = putText(o, p, W_DF);
  if (l.ipIsFragment) {
    p = putUint(o, putText(o, p, W_FRAG_OFFSET), l.ipFragOffset);
    if (l.ipFlags & 1) p = putText(o, p, W_MF);
  }
  p = putChecksum(o, p, l.ipChecksum, l.ipChecksumStatus);
  if (l.ipOptionsLen > 0) p = putText(o, putUint(o, putText(o, p, W_OPTIONS_LEN), l.ipOptionsLen), W_OPTIONS_BYTES);
  o.setUint8(p++, NEWLINE);
  e.pos = p;
}

function ip6Text(e: ByteEmitter, l: Layers, ind: number): void {
  head(e, ind, L_IPV6);
  const o = e.view;
  let p = putIpv6Words(o, putText(o, e.pos, protoText(l.ipProto)), l.src6);
  e.pos = putIpv6Words(o, putText(o, p, W_ARROW), l.dst6);
  e.bytes(W_HOP_LIMIT);
  e.uint(l.ipTtl);
  e.bytes(W_LEN);
  e.uint(l.ipTotalLen);
  if (l.ip6FlowLabel !== 0) {
    e.bytes(W_FLOW);
    e.hex(l.ip6FlowLabel, 5);
  }
  if (l.ip6Ext !== 0) {
    e.bytes(W_EXT);
    e.str(ip6ExtNames(l.ip6Ext).join(','));
  }
  if (l.ipIsFragment) {
    e.bytes(W_FRAG_ID);
    e.hex(l.ip6FragId, 8);
    e.bytes(W_OFFSET);
    e.uint(l.ipFragOffset);
    if (l.ipFlags & 1) e.bytes(W_MF);
  }
  e.byte(NEWLINE);
}

function tcpText(e: ByteEmitter, l: Layers, ind: number): void {
  head(e, ind, L_TCP);
  const o = e.view;
  let p = putUint(o, putText(o, putUint(o, e.pos, l.sport), W_ARROW), l.dport);
  if (l.tcpFlags >= 0 && l.tcpFlags < 512) p = putText(o, p, TCP_FLAGS_TEXT[l.tcpFlags]!);
  else p = putText(o, putText(o, p, ascii(`  flags [${tcpFlagsLong(l.tcpFlags)}] ${hex(l.tcpFlags, 3)}`)), W_WINDOW);
  p = putHex(o, putText(o, putUint(o, p, l.tcpWindow), W_CHECKSUM), l.tcpChecksum, 4);
  const status = l.l4ChecksumStatus;
  p = putUint(o, putText(o, p, CSUM_TAIL_SEQ[status] ?? ascii(` (${csumName(status)})  seq `)), l.tcpSeq);
  if (l.tcpFlags & 0x10) p = putUint(o, putText(o, p, W_ACK), l.tcpAck);
  p = putUint(o, putText(o, p, W_PAYLOAD), l.payloadLen);
  o.setUint8(p++, NEWLINE);
  e.pos = p;
  if (!hasTcpOptions(l)) return;
  head(e, ind, L_NONE);
  p = putTcpOptions(e.view, putText(e.view, e.pos, W_OPTIONS), l);
  e.view.setUint8(p++, NEWLINE);
  e.pos = p;
}

function icmpText(e: ByteEmitter, l: Layers, b: Uint8Array, base: number, end: number, ind: number): void {
  const v6 = l.ipVersion === 6;
  const code = v6 ? icmp6CodeName(l.icmpType, l.icmpCode) : icmpCodeName(l.icmpType, l.icmpCode);
  head(e, ind, v6 ? L_ICMPV6 : L_ICMP);
  e.str(v6 ? icmp6TypeName(l.icmpType) : icmpTypeName(l.icmpType));
  if (code !== '') e.str(` (${code})`);
  e.bytes(W_ICMP_TYPE);
  e.uint(l.icmpType);
  e.bytes(W_CODE);
  e.uint(l.icmpCode);
  if (l.icmpId >= 0) {
    e.bytes(W_IP_ID);
    e.uint(l.icmpId);
  }
  if (l.icmpSeq >= 0) {
    e.bytes(W_SEQ);
    e.uint(l.icmpSeq);
  }
  if (l.ndpTargetOff > 0) {
    e.bytes(W_TARGET);
    e.str(arpAddr(b.subarray(base, end), l.ndpTargetOff, 16));
  }
  e.pos = putChecksum(e.view, e.pos, l.icmpChecksum, l.l4ChecksumStatus);
  e.byte(NEWLINE);
  if (l.hasQuoted && l.quoted !== null) {
    line(e, ind, 'Quoted', 'the offending packet:');
    layersText(e, l.quoted, b, base, end, ind + 2);
  }
}

const L_DNS = label('DNS');
const L_MDNS = label('mDNS');
const L_LLMNR = label('LLMNR');
const W_QUERY_ID = ascii('query  id ');
const W_RESPONSE_ID = ascii('response  id ');
const W_OPCODE = ascii('  opcode ');
const W_OVER_UDP = ascii('  over udp\n');
const W_OVER_TCP = ascii('  over tcp\n');
const W_QUESTION = ascii('question ');
/** "  flags aa tc rd ra" for each combination of the four header bits (aa=8, tc=4, rd=2, ra=1), "" when none. */
const DNS_FLAGS: readonly Ascii[] = Array.from({ length: 16 }, (_, m) => {
  const f = [m & 8 ? 'aa' : '', m & 4 ? 'tc' : '', m & 2 ? 'rd' : '', m & 1 ? 'ra' : ''].filter((x) => x !== '').join(' ');
  return ascii(f === '' ? '' : `  flags ${f}`);
});
/** "answer " etc.: a record line's start per section. */
const W_ANSWER = ascii('answer ');
const W_AUTHORITY = ascii('authority ');
const W_ADDITIONAL = ascii('additional ');

/** The start of a question or record line: "<title> <name> <TYPE>" (the name made printable: it comes from the packet). */
function dnsNameType(e: ByteEmitter, ind: number, title: Ascii, name: string, type: number): void {
  head(e, ind, L_NONE);
  e.bytes(title);
  e.str(printable(name));
  e.byte(SPACE);
  e.str(dnsTypeName(type));
}

/** One line per record of a section whose header counts `count`: "<title> <name> <TYPE> <data>  ttl <ttl>". */
function dnsSection(e: ByteEmitter, ind: number, title: Ascii, list: DnsRecord[], count: number): void {
  const n = Math.min(count, list.length, MAX_DNS_RECORDS);
  for (let i = 0; i < n; i++) {
    const r = list[i]!;
    dnsNameType(e, ind, title, r.name, r.type);
    e.byte(SPACE);
    e.str(printable(r.data));
    e.bytes(W_TTL);
    e.uint(r.ttl);
    e.byte(NEWLINE);
  }
  if (count > n) line(e, ind, '', `${title.text}... ${count - n} more`);
}

function dnsText(e: ByteEmitter, d: DnsMessage, ind: number): void {
  head(e, ind, d.flavour === 'dns' ? L_DNS : d.flavour === 'mdns' ? L_MDNS : L_LLMNR);
  e.bytes(d.qr ? W_RESPONSE_ID : W_QUERY_ID);
  e.hex(d.id, 4);
  if (d.opcode !== 0) {
    e.bytes(W_OPCODE);
    e.uint(d.opcode);
  }
  if (d.qr) {
    e.bytes(W_TWO);
    e.str(dnsRcodeName(d.rcode));
  }
  e.bytes(DNS_FLAGS[(d.aa ? 8 : 0) | (d.tc ? 4 : 0) | (d.rd ? 2 : 0) | (d.ra ? 1 : 0)]!);
  e.bytes(W_TWO);
  e.uint(d.qdcount);
  e.byte(SLASH);
  e.uint(d.ancount);
  e.byte(SLASH);
  e.uint(d.nscount);
  e.byte(SLASH);
  e.uint(d.arcount);
  e.bytes(d.transport === 'udp' ? W_OVER_UDP : W_OVER_TCP);
  const nq = Math.min(d.questionCount, d.questions.length, MAX_DNS_RECORDS);
  for (let i = 0; i < nq; i++) {
    const q = d.questions[i]!;
    dnsNameType(e, ind, W_QUESTION, q.name, q.type);
    e.byte(NEWLINE);
  }
  dnsSection(e, ind, W_ANSWER, d.answers, d.answerCount);
  dnsSection(e, ind, W_AUTHORITY, d.authority, d.authorityCount);
  dnsSection(e, ind, W_ADDITIONAL, d.additional, d.additionalCount);
}

function tlsText(e: ByteEmitter, l: Layers, ind: number): void {
  const t = l.tls;
  let body = `ClientHello ${tlsVersionName(t.version)}`;
  const versions = t.supportedVersions.filter((v) => !isGrease(v));
  if (versions.length > 0) body += `  supported ${versions.map(tlsVersionName).join(',')}`;
  if (t.sni !== '') body += `  sni ${printable(t.sni)}`;
  if (t.alpn.length > 0) body += `  alpn ${printable(t.alpn.join(','))}`;
  if (t.overQuic) body += '  over QUIC';
  line(e, ind, 'TLS', body);
  if (t.ja3Hash !== '') line(e, ind, '', `ja3 ${t.ja3Hash}  ja4 ${t.ja4}`);
}

const L_HTTP = label('HTTP');
const W_HOST = ascii('  host ');
const W_USER_AGENT = ascii('  user-agent ');

function httpText(e: ByteEmitter, l: Layers, ind: number): void {
  const h = l.http;
  head(e, ind, L_HTTP);
  e.str(printable(h.method));
  e.byte(SPACE);
  e.str(printable(h.uri));
  e.byte(SPACE);
  e.str(printable(h.version));
  if (h.host !== '') {
    e.bytes(W_HOST);
    e.str(printable(h.host));
  }
  if (h.userAgent !== '') {
    e.bytes(W_USER_AGENT);
    e.str(printable(h.userAgent));
  }
  e.byte(NEWLINE);
}
