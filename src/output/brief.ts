/**
 * `--format brief`: one line per packet in the style of `tcpdump -n -S`
 * (absolute sequence numbers; time of day in UTC):
 *
 *   09:21:03.720289 IP 10.0.0.1.51234 > 10.0.0.2.80: Flags [S], seq 1, win 64240, length 0
 *   09:21:03.720301 IP 10.0.0.1.40000 > 10.0.0.53.53: 4660+ A? www.example.com. (33)
 *   09:21:03.720400 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28
 *
 * A tunnel prints its outer header, then the inner packet after ": ".
 * Common layers are written as bytes (see emitter.ts); DNS, HTTP and TLS
 * summaries, which carry packet-supplied text, are built as strings.
 */
import { App, Encap, TcpFlag, type DnsMessage, type Layers, type Packet } from '../decode/packet.js';
import { etherTypeName, icmp6TypeName, icmpTypeName, ipProtoName } from '../decode/names.js';
import { arpAddr, dnsRcodeName, dnsTypeName, encapName, printable, tcpFlagsShort } from './describe.js';
import { ascii, type Ascii, putText, putDigits, putIpv4, putIpv6Words, putTimeOfDay, putUint, SLACK, type ByteEmitter } from './emitter.js';
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
  format(pkt: Packet, e: ByteEmitter): void {
    const digits = pkt.tsDigits;
    const sec = pkt.tsSec;
    e.reserve(SLACK);
    if (digits === 6 && pkt.tsNsec >= 0 && pkt.tsNsec < 1000000000 && Number.isSafeInteger(sec)) {
      // "HH:MM:SS.ffffff" from digit tables (captures spanning years change the second on nearly every packet).
      const o = e.view;
      let p = putTimeOfDay(o, e.pos, ((sec % 86400) + 86400) % 86400);
      o.setUint8(p++, DOT);
      e.pos = putDigits(o, p, (pkt.tsNsec / 1000) | 0, 6);
    } else e.str(timeOfDay(sec, pkt.tsNsec, digits));
    e.byte(SPACE);
    levelSummary(e, pkt, pkt.bytes, pkt.byteStart, pkt.byteStart + pkt.caplen, pkt.len);
    e.byte(NEWLINE);
  }
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const DOT = 0x2e;
const W_IP = ascii('IP ');
const W_IP6 = ascii('IP6 ');
const W_GT = ascii(' > ');
const W_COLON = ascii(': ');
const W_COMMA = ascii(', ');
const W_FLAGS = ascii(': Flags [');
const W_SEQ = ascii('], seq ');
const W_SEQ_AFTER = ascii(', seq ');
const W_ACK = ascii(', ack ');
const W_WIN = ascii(', win ');
const W_LENGTH = ascii(', length ');
const W_UDP_LENGTH = ascii('UDP, length ');
const W_OPTIONS = ascii(', options [');
const W_MSS = ascii('mss ');
const W_SACK_OK = ascii('sackOK');
const W_SACK = ascii('sack ');
const W_TS = ascii('TS val ');
const W_ECR = ascii(' ecr ');
const W_WSCALE = ascii('wscale ');
const W_VLAN = ascii('vlan ');
const W_ETHERTYPE = ascii('ethertype ');
const W_UNDECODED = ascii('undecoded link layer, length ');
const W_ID = ascii(', id ');
const W_TUNNEL_ID = ascii(' id ');

/** One level's summary. The frame is b[base, end) (the reader's buffer; a view of the frame is made only for ARP). */
function levelSummary(e: ByteEmitter, l: Layers, b: Uint8Array, base: number, end: number, frameLen: number): void {
  e.reserve(SLACK);
  if (l.vlanCount > 0) {
    e.bytes(W_VLAN);
    e.uint(l.vlanIds[0]!);
    e.bytes(W_COMMA);
  }
  if (l.hasArp) e.str(arpSummary(l, b.subarray(base, end)));
  else if (l.ipVersion !== 0) ipSummary(e, l);
  else if (l.hasEth) {
    if (l.llc) e.str(`802.3 LLC, dsap 0x${l.llcDsap.toString(16)} ssap 0x${l.llcSsap.toString(16)}, length ${frameLen}`);
    else {
      e.bytes(W_ETHERTYPE);
      e.str(etherTypeName(l.netType || l.ethType));
      e.bytes(W_LENGTH);
      e.uint(frameLen);
    }
  } else {
    e.bytes(W_UNDECODED);
    e.uint(frameLen);
  }
  if (l.malformed !== null) e.str(` [malformed ${printable(`${l.malformedLayer}: ${l.malformed}`)}]`);
  if (l.encap !== Encap.None && l.inner !== null) {
    e.bytes(W_COLON);
    e.str(encapName(l.encap).toUpperCase());
    if (l.tunnelId >= 0) {
      e.bytes(W_TUNNEL_ID);
      e.uint(l.tunnelId);
    }
    e.bytes(W_COLON);
    levelSummary(e, l.inner, b, base, end, frameLen);
  }
}

function arpSummary(l: Layers, b: Uint8Array): string {
  const spa = arpAddr(b, l.arpSpaOff, l.arpPlen);
  const tpa = arpAddr(b, l.arpTpaOff, l.arpPlen);
  const len = 8 + 2 * (l.arpHlen + l.arpPlen);
  if (l.arpOp === 1) return `ARP, Request who-has ${tpa} tell ${spa}, length ${len}`;
  if (l.arpOp === 2) return `ARP, Reply ${spa} is-at ${arpAddr(b, l.arpShaOff, l.arpHlen)}, length ${len}`;
  return `ARP, opcode ${l.arpOp}, ${spa} > ${tpa}, length ${len}`;
}

/** tcpdump's one-letter flags per 9-bit value. */
const FLAGS_SHORT: readonly Ascii[] = Array.from({ length: 512 }, (_, v) => ascii(tcpFlagsShort(v)));

function putAddr(o: DataView, p: number, l: Layers, src: boolean): number {
  if (l.ipVersion === 4) return putIpv4(o, p, src ? l.src4 : l.dst4);
  return putIpv6Words(o, p, src ? l.src6 : l.dst6);
}

/** "IP src > dst" or, with ports, "IP src.sport > dst.dport". */
function endpoints(e: ByteEmitter, l: Layers, ports: boolean): void {
  const o = e.view;
  let p = putAddr(o, putText(o, e.pos, l.ipVersion === 4 ? W_IP : W_IP6), l, true);
  if (ports) {
    o.setUint8(p++, DOT);
    p = putUint(o, p, l.sport);
  }
  p = putAddr(o, putText(o, p, W_GT), l, false);
  if (ports) {
    o.setUint8(p++, DOT);
    p = putUint(o, p, l.dport);
  }
  e.pos = p;
}

function ipSummary(e: ByteEmitter, l: Layers): void {
  const l4Len = l.ipTotalLen - l.ipHdrLen;
  if (l.hasTcp) {
    tcpSummary(e, l, Math.max(0, l4Len - l.tcpHdrLen));
    appSummary(e, l, ' ');
    return;
  }
  if (l.hasUdp) {
    endpoints(e, l, true);
    e.bytes(W_COLON);
    if (l.app === App.Dns) e.str(dnsSummary(l.dns, l.udpLength - 8));
    else {
      e.bytes(W_UDP_LENGTH);
      e.uint(l.udpLength - 8);
      appSummary(e, l, ', ');
    }
    return;
  }
  endpoints(e, l, false);
  e.bytes(W_COLON);
  if (l.hasIcmp) {
    e.str(l.ipVersion === 6 ? icmp6Word(l.icmpType) : icmp4Word(l.icmpType));
    if (l.icmpId >= 0) {
      e.bytes(W_ID);
      e.uint(l.icmpId);
    }
    if (l.icmpSeq >= 0) {
      e.bytes(W_SEQ_AFTER);
      e.uint(l.icmpSeq);
    }
  } else if (l.ipIsFragment && l.ipFragOffset > 0) {
    e.str(`${ipProtoName(l.ipProto).toLowerCase()} (frag offset ${l.ipFragOffset})`);
  } else e.str(ipProtoName(l.ipProto));
  e.bytes(W_LENGTH);
  e.uint(l4Len);
}

function tcpSummary(e: ByteEmitter, l: Layers, payload: number): void {
  endpoints(e, l, true);
  const o = e.view;
  let p = putText(o, e.pos, W_FLAGS);
  p = putText(o, p, l.tcpFlags >= 0 && l.tcpFlags < 512 ? FLAGS_SHORT[l.tcpFlags]! : ascii(tcpFlagsShort(l.tcpFlags)));
  // As tcpdump: a range for data, the bare number for SYN/FIN/RST, nothing for a pure ACK.
  if (payload > 0) {
    p = putUint(o, putText(o, p, W_SEQ), l.tcpSeq);
    o.setUint8(p++, 0x3a); // :
    p = putUint(o, p, (l.tcpSeq + payload) >>> 0);
  } else {
    o.setUint8(p++, 0x5d); // ]
    if (l.tcpFlags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) p = putUint(o, putText(o, p, W_SEQ_AFTER), l.tcpSeq);
  }
  if (l.tcpFlags & TcpFlag.ACK) p = putUint(o, putText(o, p, W_ACK), l.tcpAck);
  p = putUint(o, putText(o, p, W_WIN), l.tcpWindow);
  if (l.tcpMss >= 0 || l.tcpSackPerm || l.tcpSackCount > 0 || l.tcpHasTs || l.tcpWscale >= 0) p = putTcpOptions(o, p, l);
  e.pos = putUint(o, putText(o, p, W_LENGTH), payload);
}

/** tcpdump's ICMP words ("ICMP echo request", "ICMP6, echo reply"), per type. */
const ICMP4_WORDS: string[] = [];
const ICMP6_WORDS: string[] = [];

function icmpWord(type: number, v6: boolean): string {
  const name = (v6 ? icmp6TypeName(type) : icmpTypeName(type)).replace(' (ping)', '').toLowerCase();
  return (v6 ? 'ICMP6, ' : 'ICMP ') + name;
}

function icmp4Word(type: number): string {
  return (ICMP4_WORDS[type] ??= icmpWord(type, false));
}

function icmp6Word(type: number): string {
  return (ICMP6_WORDS[type] ??= icmpWord(type, true));
}

function appSummary(e: ByteEmitter, l: Layers, sep: string): void {
  switch (l.app) {
    // DNS over TCP: the length excludes the 2-byte message length prefix, as tcpdump's.
    case App.Dns: e.str(sep + dnsSummary(l.dns, l.dns.transport === 'tcp' ? l.payloadLen - 2 : l.payloadLen)); break;
    case App.HttpRequest: e.str(`${sep}HTTP: ${printable(`${l.http.method} ${l.http.uri} ${l.http.version}`)}`); break;
    case App.TlsClientHello: e.str(`${sep}TLS ClientHello${l.tls.sni !== '' ? ` SNI ${printable(l.tls.sni)}` : ''}`); break;
    default: break;
  }
}

/** The options tcpdump shows, in its words (option order and NOPs are not kept by the decoder). */
function putTcpOptions(o: DataView, p: number, l: Layers): number {
  p = putText(o, p, W_OPTIONS);
  // Items are separated by ','; `more` says whether one was written already.
  let more = false;
  if (l.tcpMss >= 0) {
    p = putUint(o, putText(o, p, W_MSS), l.tcpMss);
    more = true;
  }
  if (l.tcpSackPerm) {
    if (more) o.setUint8(p++, 0x2c);
    p = putText(o, p, W_SACK_OK);
    more = true;
  }
  for (let i = 0; i < l.tcpSackCount; i++) {
    if (more) o.setUint8(p++, 0x2c);
    p = putUint(o, putText(o, p, W_SACK), l.tcpSack[2 * i]!);
    o.setUint8(p++, 0x3a);
    p = putUint(o, p, l.tcpSack[2 * i + 1]!);
    more = true;
  }
  if (l.tcpHasTs) {
    if (more) o.setUint8(p++, 0x2c);
    p = putUint(o, putText(o, putUint(o, putText(o, p, W_TS), l.tcpTsVal), W_ECR), l.tcpTsEcr);
    more = true;
  }
  if (l.tcpWscale >= 0) {
    if (more) o.setUint8(p++, 0x2c);
    p = putUint(o, putText(o, p, W_WSCALE), l.tcpWscale);
  }
  o.setUint8(p++, 0x5d);
  return p;
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
