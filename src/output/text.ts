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
 */
import { App, Encap, type DnsMessage, type DnsRecord, type Layers, type Packet } from '../decode/packet.js';
import { arpOpName, etherTypeName, icmp6CodeName, icmp6TypeName, icmpCodeName, icmpTypeName, ipProtoName } from '../decode/names.js';
import { hex } from '../util/format.js';
import {
  arpAddr, csumName, dnsRcodeName, dnsTypeName, dstAddr, encapName, ethDst, ethSrc, hexAddr, ip6ExtNames, isGrease,
  hexByte, hexWord, IsoTimeFormatter, printable, srcAddr, tcpFlagsLong, tlsVersionName,
} from './describe.js';
import type { PacketFormatter } from './formatter.js';

const LABEL_WIDTH = 10;
/** DNS records shown per section before "... N more". */
const MAX_DNS_RECORDS = 8;

/** Labels padded once here rather than per line. */
const padded = new Map<string, string>();

function line(indent: string, label: string, body: string): string {
  let p = padded.get(label);
  if (p === undefined) {
    p = label.padEnd(LABEL_WIDTH);
    padded.set(label, p);
  }
  return indent + p + body + '\n';
}

/** "flags [SYN,ACK] 0x012" for every 9-bit flag value. */
const TCP_FLAGS_TEXT: readonly string[] = Array.from({ length: 512 }, (_, v) => `  flags [${tcpFlagsLong(v)}] ${hex(v, 3)}`);

export class TextPrinter implements PacketFormatter {
  private readonly time = new IsoTimeFormatter();

  format(pkt: Packet): string {
    let s = `Packet ${pkt.n}  ${this.time.format(pkt.tsSec, pkt.tsNsec, pkt.tsDigits)}  ${pkt.len} bytes (${pkt.caplen} captured)`;
    if (pkt.ifIndex > 0) s += `  interface ${pkt.ifIndex}`;
    s += '\n';
    if (pkt.sllPktType >= 0) {
      let body = `packet type ${pkt.sllPktType}`;
      if (pkt.sllAddrLen > 0) body += `  address ${hexAddr(pkt.data, pkt.sllAddrOff, pkt.sllAddrLen)}`;
      if (pkt.sllIfIndex >= 0) body += `  ifindex ${pkt.sllIfIndex}`;
      s += line('  ', 'SLL', body);
    }
    s += layersText(pkt, pkt.data, '  ');
    return s + '\n';
  }
}

function layersText(l: Layers, b: Uint8Array, ind: string): string {
  let s = '';
  if (l.hasEth) {
    let body = `${ethSrc(b, l)} -> ${ethDst(b, l)}  `;
    body += l.llc
      ? `802.3 length ${l.ethType}  LLC dsap ${hexByte(l.llcDsap)} ssap ${hexByte(l.llcSsap)}`
      : `type ${hexWord(l.ethType)} (${etherTypeName(l.ethType)})`;
    s += line(ind, 'Ethernet', body);
  }
  for (let i = 0; i < l.vlanCount; i++) {
    const tci = l.vlanTci[i]!;
    s += line(ind, 'VLAN', `id ${l.vlanIds[i]}  pcp ${tci >>> 13}  dei ${(tci >>> 12) & 1}  tpid ${hexWord(l.vlanTpids[i]!)}`);
  }
  if (l.mplsCount > 0) s += line(ind, 'MPLS', `labels ${Array.from(l.mplsLabels.subarray(0, l.mplsCount)).join(' ')}`);
  if (l.pppoeSession >= 0) s += line(ind, 'PPPoE', `session ${hexWord(l.pppoeSession)}`);
  if (l.hasArp) s += arpText(l, b, ind);
  if (l.ipVersion !== 0) s += ipText(l, ind);
  if (l.hasTcp) s += tcpText(l, ind);
  else if (l.hasUdp) {
    s += line(ind, 'UDP', `${l.sport} -> ${l.dport}  length ${l.udpLength}  checksum ${hexWord(l.udpChecksum)} (${csumName(l.l4ChecksumStatus)})`);
  } else if (l.hasIcmp) s += icmpText(l, b, ind);
  switch (l.app) {
    case App.Dns: s += dnsText(l.dns, ind); break;
    case App.TlsClientHello: s += tlsText(l, ind); break;
    case App.HttpRequest: s += httpText(l, ind); break;
    default: break;
  }
  if (l.malformed !== null) s += line(ind, 'Malformed', printable(`${l.malformedLayer}: ${l.malformed}`));
  if (l.encap !== Encap.None && l.inner !== null) {
    s += line(ind, 'Tunnel', encapName(l.encap) + (l.tunnelId >= 0 ? `  id ${l.tunnelId}` : '') + '  inner packet:');
    s += layersText(l.inner, b, ind + '  ');
  }
  return s;
}

function arpText(l: Layers, b: Uint8Array, ind: string): string {
  const spa = arpAddr(b, l.arpSpaOff, l.arpPlen);
  const tpa = arpAddr(b, l.arpTpaOff, l.arpPlen);
  const sha = arpAddr(b, l.arpShaOff, l.arpHlen);
  const tha = arpAddr(b, l.arpThaOff, l.arpHlen);
  let body: string;
  if (l.arpOp === 1) body = `request  who-has ${tpa} tell ${spa} (${sha})`;
  else if (l.arpOp === 2) body = `reply  ${spa} is-at ${sha}  to ${tpa} (${tha})`;
  else body = `${arpOpName(l.arpOp)}  sender ${spa} (${sha})  target ${tpa} (${tha})`;
  return line(ind, 'ARP', body);
}

function ipText(l: Layers, ind: string): string {
  let body = `${ipProtoName(l.ipProto)} (${l.ipProto})  ${srcAddr(l)} -> ${dstAddr(l)}`;
  if (l.ipVersion === 4) {
    body += `  ttl ${l.ipTtl}  id ${hexWord(l.ipId)}  len ${l.ipTotalLen}`;
    if (l.ipFlags & 2) body += '  DF';
    if (l.ipIsFragment) body += `  fragment offset ${l.ipFragOffset}${l.ipFlags & 1 ? ' MF' : ''}`;
    body += `  checksum ${hexWord(l.ipChecksum)} (${csumName(l.ipChecksumStatus)})`;
    if (l.ipOptionsLen > 0) body += `  options ${l.ipOptionsLen} bytes`;
    return line(ind, 'IPv4', body);
  }
  body += `  hop limit ${l.ipTtl}  len ${l.ipTotalLen}`;
  if (l.ip6FlowLabel !== 0) body += `  flow ${hex(l.ip6FlowLabel, 5)}`;
  if (l.ip6Ext !== 0) body += `  ext ${ip6ExtNames(l.ip6Ext).join(',')}`;
  if (l.ipIsFragment) body += `  fragment id ${hex(l.ip6FragId, 8)} offset ${l.ipFragOffset}${l.ipFlags & 1 ? ' MF' : ''}`;
  return line(ind, 'IPv6', body);
}

function tcpText(l: Layers, ind: string): string {
  const flags = l.tcpFlags < 512 ? TCP_FLAGS_TEXT[l.tcpFlags]! : `  flags [${tcpFlagsLong(l.tcpFlags)}] ${hex(l.tcpFlags, 3)}`;
  let body = l.sport + ' -> ' + l.dport + flags + '  window ' + l.tcpWindow + '  checksum ' + hexWord(l.tcpChecksum) + ' (' +
    csumName(l.l4ChecksumStatus) + ')  seq ' + l.tcpSeq;
  if (l.tcpFlags & 0x10) body += `  ack ${l.tcpAck}`;
  body += `  payload ${l.payloadLen}`;
  let opts = '';
  if (l.tcpMss >= 0) opts += `  mss ${l.tcpMss}`;
  if (l.tcpWscale >= 0) opts += `  wscale ${l.tcpWscale}`;
  if (l.tcpSackPerm) opts += '  sack-permitted';
  for (let i = 0; i < l.tcpSackCount; i++) opts += `  sack ${l.tcpSack[2 * i]}-${l.tcpSack[2 * i + 1]}`;
  if (l.tcpHasTs) opts += `  ts ${l.tcpTsVal}/${l.tcpTsEcr}`;
  let s = line(ind, 'TCP', body);
  if (opts !== '') s += line(ind, '', `options${opts}`);
  return s;
}

function icmpText(l: Layers, b: Uint8Array, ind: string): string {
  const v6 = l.ipVersion === 6;
  const code = v6 ? icmp6CodeName(l.icmpType, l.icmpCode) : icmpCodeName(l.icmpType, l.icmpCode);
  let body = `${v6 ? icmp6TypeName(l.icmpType) : icmpTypeName(l.icmpType)}${code !== '' ? ` (${code})` : ''}`;
  body += `  type ${l.icmpType} code ${l.icmpCode}`;
  if (l.icmpId >= 0) body += `  id ${l.icmpId}`;
  if (l.icmpSeq >= 0) body += `  seq ${l.icmpSeq}`;
  if (l.ndpTargetOff > 0) body += `  target ${arpAddr(b, l.ndpTargetOff, 16)}`;
  body += `  checksum ${hexWord(l.icmpChecksum)} (${csumName(l.l4ChecksumStatus)})`;
  let s = line(ind, v6 ? 'ICMPv6' : 'ICMP', body);
  if (l.hasQuoted && l.quoted !== null) {
    s += line(ind, 'Quoted', 'the offending packet:');
    s += layersText(l.quoted, b, ind + '  ');
  }
  return s;
}

function rrText(r: DnsRecord): string {
  return `${printable(r.name)} ${dnsTypeName(r.type)} ${printable(r.data)}  ttl ${r.ttl}`;
}

function dnsSection(ind: string, title: string, list: DnsRecord[], count: number, total: number): string {
  let s = '';
  const n = Math.min(count, list.length, MAX_DNS_RECORDS);
  for (let i = 0; i < n; i++) s += line(ind, '', `${title} ${rrText(list[i]!)}`);
  if (total > n) s += line(ind, '', `${title} ... ${total - n} more`);
  return s;
}

function dnsText(d: DnsMessage, ind: string): string {
  const flavour = d.flavour === 'dns' ? 'DNS' : d.flavour === 'mdns' ? 'mDNS' : 'LLMNR';
  let body = `${d.qr ? 'response' : 'query'}  id ${hexWord(d.id)}`;
  if (d.opcode !== 0) body += `  opcode ${d.opcode}`;
  if (d.qr) body += `  ${dnsRcodeName(d.rcode)}`;
  const f = [d.aa ? 'aa' : '', d.tc ? 'tc' : '', d.rd ? 'rd' : '', d.ra ? 'ra' : ''].filter((x) => x !== '').join(' ');
  if (f !== '') body += `  flags ${f}`;
  body += `  ${d.qdcount}/${d.ancount}/${d.nscount}/${d.arcount}  over ${d.transport}`;
  let s = line(ind, flavour, body);
  const nq = Math.min(d.questionCount, d.questions.length, MAX_DNS_RECORDS);
  for (let i = 0; i < nq; i++) {
    const q = d.questions[i]!;
    s += line(ind, '', `question ${printable(q.name)} ${dnsTypeName(q.type)}`);
  }
  s += dnsSection(ind, 'answer', d.answers, d.answerCount, d.answerCount);
  s += dnsSection(ind, 'authority', d.authority, d.authorityCount, d.authorityCount);
  s += dnsSection(ind, 'additional', d.additional, d.additionalCount, d.additionalCount);
  return s;
}

function tlsText(l: Layers, ind: string): string {
  const t = l.tls;
  let body = `ClientHello ${tlsVersionName(t.version)}`;
  const versions = t.supportedVersions.filter((v) => !isGrease(v));
  if (versions.length > 0) body += `  supported ${versions.map(tlsVersionName).join(',')}`;
  if (t.sni !== '') body += `  sni ${printable(t.sni)}`;
  if (t.alpn.length > 0) body += `  alpn ${printable(t.alpn.join(','))}`;
  if (t.overQuic) body += '  over QUIC';
  let s = line(ind, 'TLS', body);
  if (t.ja3Hash !== '') s += line(ind, '', `ja3 ${t.ja3Hash}  ja4 ${t.ja4}`);
  return s;
}

function httpText(l: Layers, ind: string): string {
  const h = l.http;
  let body = printable(`${h.method} ${h.uri} ${h.version}`);
  if (h.host !== '') body += `  host ${printable(h.host)}`;
  if (h.userAgent !== '') body += `  user-agent ${printable(h.userAgent)}`;
  return line(ind, 'HTTP', body);
}
