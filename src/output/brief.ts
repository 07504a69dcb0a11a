/**
 * `--format brief`: one line per packet in the style of `tcpdump -n -S`
 * (absolute sequence numbers; time of day in UTC):
 *
 *   09:21:03.720289 IP 10.0.0.1.51234 > 10.0.0.2.80: Flags [S], seq 1, win 64240, length 0
 *   09:21:03.720301 IP 10.0.0.1.40000 > 10.0.0.53.53: 4660+ A? www.example.com. (33)
 *   09:21:03.720400 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28
 *
 * A tunnel prints its outer header, then the inner packet after ": ".
 */
import { App, Encap, TcpFlag, type DnsMessage, type Layers, type Packet } from '../decode/packet.js';
import { etherTypeName, icmp6TypeName, icmpTypeName, ipProtoName } from '../decode/names.js';
import { arpAddr, dnsRcodeName, dnsTypeName, dstAddr, encapName, printable, srcAddr, tcpFlagsShort } from './describe.js';
import type { PacketFormatter } from './formatter.js';

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** "HH:MM:SS.ffffff" (UTC time of day) with the capture's precision. */
export function timeOfDay(tsSec: number, tsNsec: number, digits: number): string {
  const day = ((tsSec % 86400) + 86400) % 86400;
  const frac = String(tsNsec).padStart(9, '0').slice(0, Math.max(0, Math.min(9, digits)));
  const hms = `${two(Math.floor(day / 3600))}:${two(Math.floor(day / 60) % 60)}:${two(day % 60)}`;
  return frac.length > 0 ? `${hms}.${frac}` : hms;
}

export class BriefPrinter implements PacketFormatter {
  // Consecutive packets mostly share their second: "HH:MM:SS." is built once per second.
  private sec = NaN;
  private hms = '';

  format(pkt: Packet): string {
    const digits = pkt.tsDigits;
    let time: string;
    if (digits === 6 && pkt.tsNsec >= 0 && pkt.tsNsec < 1000000000) {
      if (pkt.tsSec !== this.sec) {
        this.sec = pkt.tsSec;
        this.hms = timeOfDay(pkt.tsSec, 0, 0) + '.';
      }
      const us = (pkt.tsNsec / 1000) | 0;
      time = this.hms + DEC3[(us / 1000) | 0]! + DEC3[us % 1000]!;
    } else time = timeOfDay(pkt.tsSec, pkt.tsNsec, digits);
    return time + ' ' + levelSummary(pkt, pkt.data, pkt.len) + '\n';
  }
}

const DEC3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

function levelSummary(l: Layers, b: Uint8Array, frameLen: number): string {
  let s: string;
  if (l.hasArp) s = arpSummary(l, b);
  else if (l.ipVersion !== 0) s = ipSummary(l);
  else if (l.hasEth) {
    s = l.llc ? `802.3 LLC, dsap 0x${l.llcDsap.toString(16)} ssap 0x${l.llcSsap.toString(16)}, length ${frameLen}`
      : `ethertype ${etherTypeName(l.netType || l.ethType)}, length ${frameLen}`;
  } else s = `undecoded link layer, length ${frameLen}`;
  if (l.vlanCount > 0) s = `vlan ${l.vlanIds[0]}, ${s}`;
  if (l.malformed !== null) s += ` [malformed ${printable(`${l.malformedLayer}: ${l.malformed}`)}]`;
  if (l.encap !== Encap.None && l.inner !== null) {
    s += `: ${encapName(l.encap).toUpperCase()}${l.tunnelId >= 0 ? ` id ${l.tunnelId}` : ''}: ${levelSummary(l.inner, b, frameLen)}`;
  }
  return s;
}

function arpSummary(l: Layers, b: Uint8Array): string {
  const spa = arpAddr(b, l.arpSpaOff, l.arpPlen);
  const tpa = arpAddr(b, l.arpTpaOff, l.arpPlen);
  const len = 8 + 2 * (l.arpHlen + l.arpPlen);
  if (l.arpOp === 1) return `ARP, Request who-has ${tpa} tell ${spa}, length ${len}`;
  if (l.arpOp === 2) return `ARP, Reply ${spa} is-at ${arpAddr(b, l.arpShaOff, l.arpHlen)}, length ${len}`;
  return `ARP, opcode ${l.arpOp}, ${spa} > ${tpa}, length ${len}`;
}

function ipSummary(l: Layers): string {
  const ip = l.ipVersion === 4 ? 'IP' : 'IP6';
  const src = srcAddr(l);
  const dst = dstAddr(l);
  const l4Len = l.ipTotalLen - l.ipHdrLen;
  if (l.hasTcp) {
    const payload = Math.max(0, l4Len - l.tcpHdrLen);
    let s = `${ip} ${src}.${l.sport} > ${dst}.${l.dport}: Flags [${tcpFlagsShort(l.tcpFlags)}]`;
    // As tcpdump: a range for data, the bare number for SYN/FIN/RST, nothing for a pure ACK.
    if (payload > 0) s += `, seq ${l.tcpSeq}:${(l.tcpSeq + payload) >>> 0}`;
    else if (l.tcpFlags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) s += `, seq ${l.tcpSeq}`;
    if (l.tcpFlags & TcpFlag.ACK) s += `, ack ${l.tcpAck}`;
    s += `, win ${l.tcpWindow}${tcpOptions(l)}, length ${payload}`;
    return s + appSummary(l, ' ');
  }
  if (l.hasUdp) {
    const head = `${ip} ${src}.${l.sport} > ${dst}.${l.dport}: `;
    if (l.app === App.Dns) return head + dnsSummary(l.dns, l.udpLength - 8);
    const app = appSummary(l, ', ');
    return `${head}UDP, length ${l.udpLength - 8}${app}`;
  }
  if (l.hasIcmp) {
    const name = (l.ipVersion === 6 ? icmp6TypeName(l.icmpType) : icmpTypeName(l.icmpType)).replace(' (ping)', '').toLowerCase();
    let s = `${ip} ${src} > ${dst}: ${l.ipVersion === 6 ? 'ICMP6, ' : 'ICMP '}${name}`;
    if (l.icmpId >= 0) s += `, id ${l.icmpId}`;
    if (l.icmpSeq >= 0) s += `, seq ${l.icmpSeq}`;
    return `${s}, length ${l4Len}`;
  }
  if (l.ipIsFragment && l.ipFragOffset > 0) return `${ip} ${src} > ${dst}: ${ipProtoName(l.ipProto).toLowerCase()} (frag offset ${l.ipFragOffset}), length ${l4Len}`;
  return `${ip} ${src} > ${dst}: ${ipProtoName(l.ipProto)}, length ${l4Len}`;
}

function appSummary(l: Layers, sep: string): string {
  switch (l.app) {
    // DNS over TCP: the length excludes the 2-byte message length prefix, as tcpdump's.
    case App.Dns: return sep + dnsSummary(l.dns, l.dns.transport === 'tcp' ? l.payloadLen - 2 : l.payloadLen);
    case App.HttpRequest: return `${sep}HTTP: ${printable(`${l.http.method} ${l.http.uri} ${l.http.version}`)}`;
    case App.TlsClientHello: return `${sep}TLS ClientHello${l.tls.sni !== '' ? ` SNI ${printable(l.tls.sni)}` : ''}`;
    default: return '';
  }
}

/** The options tcpdump shows, in its words (option order and NOPs are not kept by the decoder). */
function tcpOptions(l: Layers): string {
  // Each item starts with ',' and the first one's is cut: no array per packet.
  let o = '';
  if (l.tcpMss >= 0) o += ',mss ' + l.tcpMss;
  if (l.tcpSackPerm) o += ',sackOK';
  for (let i = 0; i < l.tcpSackCount; i++) o += ',sack ' + l.tcpSack[2 * i] + ':' + l.tcpSack[2 * i + 1];
  if (l.tcpHasTs) o += ',TS val ' + l.tcpTsVal + ' ecr ' + l.tcpTsEcr;
  if (l.tcpWscale >= 0) o += ',wscale ' + l.tcpWscale;
  return o === '' ? '' : ', options [' + o.slice(1) + ']';
}

function dnsName(name: string): string {
  const p = printable(name);
  return p.endsWith('.') ? p : `${p}.`;
}

/** tcpdump's DNS line: "1234+ A? name. (len)" for queries, "1234 NXDomain 0/1/0 (len)" for responses. */
function dnsSummary(d: DnsMessage, len: number): string {
  const q = d.questionCount > 0 ? d.questions[0]! : null;
  if (!d.qr) {
    let s = `${d.id}${d.rd ? '+' : ''}`;
    // Section counts other than the usual single question, as tcpdump flags them.
    if (d.qdcount !== 1) s += ` [${d.qdcount}q]`;
    if (d.ancount !== 0) s += ` [${d.ancount}a]`;
    if (d.nscount !== 0) s += ` [${d.nscount}n]`;
    if (d.arcount !== 0) s += ` [${d.arcount}au]`;
    return `${s}${q !== null ? ` ${dnsTypeName(q.type)}? ${dnsName(q.name)}` : ''} (${len})`;
  }
  let s = `${d.id}${d.aa ? '*' : ''}${d.rcode !== 0 ? ` ${dnsRcodeName(d.rcode)}` : ''} ${d.ancount}/${d.nscount}/${d.arcount}`;
  const an = Math.min(d.answerCount, d.answers.length, 3);
  for (let i = 0; i < an; i++) {
    const r = d.answers[i]!;
    s += `${i === 0 ? '' : ','} ${dnsTypeName(r.type)} ${printable(r.data)}`;
  }
  return `${s} (${len})`;
}
