/**
 * Application-layer dispatch: DNS by port (53, mDNS 5353, LLMNR 5355, either
 * side), QUIC Initials on UDP 443, TLS ClientHello and HTTP requests by the
 * first payload bytes.
 */
import type { Layers } from '../packet.js';
import { decodeDns } from '../app/dns.js';
import { decodeTlsClientHello } from '../app/tls.js';
import { decodeHttpRequest } from '../app/http.js';
import { decodeQuicInitial } from '../app/quic.js';

const TLS_HANDSHAKE = 0x16;
const TLS_MAJOR = 0x03;
const ASCII_A = 0x41;
const ASCII_Z = 0x5a;

export const PORT_DNS = 53;
export const PORT_MDNS = 5353;
export const PORT_LLMNR = 5355;
export const PORT_HTTPS = 443;
/** QUIC long-header form bit: short-header (1-RTT) packets, the bulk of UDP 443, skip the call. */
const QUIC_LONG_HEADER = 0x80;

export function dispatchUdpApp(l: Layers, b: Uint8Array, off: number, len: number): void {
  const sp = l.sport;
  const dp = l.dport;
  if (sp === PORT_DNS || dp === PORT_DNS) decodeDns(l, b, off, len, 'udp', 'dns');
  else if (sp === PORT_MDNS || dp === PORT_MDNS) decodeDns(l, b, off, len, 'udp', 'mdns');
  else if (sp === PORT_LLMNR || dp === PORT_LLMNR) decodeDns(l, b, off, len, 'udp', 'llmnr');
  else if ((sp === PORT_HTTPS || dp === PORT_HTTPS) && (b[off]! & QUIC_LONG_HEADER) !== 0) decodeQuicInitial(l, b, off, len);
}

export function dispatchTcpApp(l: Layers, b: Uint8Array, off: number, len: number): void {
  const sp = l.sport;
  const dp = l.dport;
  if (sp === PORT_DNS || dp === PORT_DNS) decodeDns(l, b, off, len, 'tcp', 'dns');
  else if (sp === PORT_MDNS || dp === PORT_MDNS) decodeDns(l, b, off, len, 'tcp', 'mdns');
  else if (sp === PORT_LLMNR || dp === PORT_LLMNR) decodeDns(l, b, off, len, 'tcp', 'llmnr');
  else if (len >= 6 && b[off] === TLS_HANDSHAKE && b[off + 1] === TLS_MAJOR) decodeTlsClientHello(l, b, off, len);
  // HTTP methods are upper-case tokens: one byte test keeps binary payloads off the slower check.
  else if (b[off]! >= ASCII_A && b[off]! <= ASCII_Z) decodeHttpRequest(l, b, off, len);
}
