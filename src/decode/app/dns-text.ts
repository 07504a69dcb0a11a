/**
 * Text of DNS records the decoder has checked but not rendered (see
 * DnsRecord.defer): owner names and RDATA are made here when a stage first
 * reads them. The checks already passed, so these walks cannot fail.
 */
import type { DnsRecord } from '../packet.js';
import { NameReader, STEP_BUDGET } from './dns-name.js';
import { formatRdata } from './dns-rdata.js';

const names = new NameReader();

/** The name at `off` of the message b[msgOff, msgEnd). */
export function dnsNameAt(b: Uint8Array, msgOff: number, msgEnd: number, off: number): string {
  names.budget = STEP_BUDGET;
  return names.read(b, msgOff, msgEnd, off, true) ? names.text : '';
}

/** Presentation form of record `r`'s RDATA, b[off, off+len) of the message b[msgOff, msgEnd). */
export function dnsRdataAt(b: Uint8Array, msgOff: number, msgEnd: number, off: number, len: number, r: DnsRecord): string {
  names.budget = STEP_BUDGET;
  return formatRdata(names, b, msgOff, msgEnd, off, len, r, true) ?? '';
}
