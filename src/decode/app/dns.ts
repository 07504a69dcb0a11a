/**
 * DNS message decoder (RFC 1035, EDNS RFC 6891) for DNS, mDNS (RFC 6762) and
 * LLMNR (RFC 4795), over UDP or TCP. Fills the reusable `Layers.dns`.
 *
 * Names use tshark's text conventions (see dns-name.ts). RDATA is rendered
 * in presentation form (see dns-rdata.ts). A malformed message keeps every
 * record decoded before the fault and sets `l.fail('dns', reason)`.
 */
import { App, DnsRecord, type DnsMessage, type Layers } from '../packet.js';
import { NameReader, STEP_BUDGET } from './dns-name.js';
import { formatRdata } from './dns-rdata.js';

const HEADER_LEN = 12;

const names = new NameReader();

/** Section of the message being decoded, for error messages and record storage. */
const SECTION_QUESTION = 0;
const SECTION_ANSWER = 1;
const SECTION_AUTHORITY = 2;
const SECTION_ADDITIONAL = 3;
const SECTION_NAMES = ['question', 'answer', 'authority', 'additional'] as const;

function slot(list: DnsRecord[], i: number): DnsRecord {
  let r = list[i];
  if (r === undefined) {
    r = new DnsRecord();
    list.push(r);
  }
  return r;
}

function sectionList(m: DnsMessage, s: number): DnsRecord[] {
  return s === SECTION_QUESTION ? m.questions : s === SECTION_ANSWER ? m.answers : s === SECTION_AUTHORITY ? m.authority : m.additional;
}

function setSectionCount(m: DnsMessage, s: number, n: number): void {
  if (s === SECTION_QUESTION) m.questionCount = n;
  else if (s === SECTION_ANSWER) m.answerCount = n;
  else if (s === SECTION_AUTHORITY) m.authorityCount = n;
  else m.additionalCount = n;
}

/**
 * Decodes the DNS message at `b[off .. off+len)`. For TCP, `off` points at
 * the 2-byte length prefix; only the first message of the segment is decoded.
 * A TCP message continuing past the segment is decoded as far as present and
 * flagged `l.truncated` (it needs reassembly, it is not malformed).
 */
export function decodeDns(
  l: Layers,
  b: Uint8Array,
  off: number,
  len: number,
  transport: 'udp' | 'tcp',
  flavour: 'dns' | 'mdns' | 'llmnr',
): void {
  const m = l.dns;
  m.reset();
  m.transport = transport;
  m.flavour = flavour;
  l.app = App.Dns;
  let end = Math.min(off + len, b.length);
  let cutBySegment = false;
  if (transport === 'tcp') {
    if (end - off < 2) {
      l.fail('dns', 'TCP DNS length prefix cut short');
      return;
    }
    const msgLen = (b[off]! << 8) | b[off + 1]!;
    off += 2;
    if (off + msgLen <= end) end = off + msgLen;
    else cutBySegment = true;
  }
  if (end - off < HEADER_LEN) {
    if (cutBySegment) l.truncated = true;
    else l.fail('dns', `message of ${end - off} bytes is shorter than the 12-byte header`);
    return;
  }
  m.id = (b[off]! << 8) | b[off + 1]!;
  const flags = (b[off + 2]! << 8) | b[off + 3]!;
  m.flags = flags;
  m.qr = (flags & 0x8000) !== 0;
  m.opcode = (flags >> 11) & 0xf;
  m.aa = (flags & 0x0400) !== 0;
  m.tc = (flags & 0x0200) !== 0;
  m.rd = (flags & 0x0100) !== 0;
  m.ra = (flags & 0x0080) !== 0;
  m.rcode = flags & 0xf;
  m.qdcount = (b[off + 4]! << 8) | b[off + 5]!;
  m.ancount = (b[off + 6]! << 8) | b[off + 7]!;
  m.nscount = (b[off + 8]! << 8) | b[off + 9]!;
  m.arcount = (b[off + 10]! << 8) | b[off + 11]!;

  names.budget = STEP_BUDGET;
  let p = off + HEADER_LEN;
  for (let s = SECTION_QUESTION; s <= SECTION_ADDITIONAL; s++) {
    const count = s === SECTION_QUESTION ? m.qdcount : s === SECTION_ANSWER ? m.ancount : s === SECTION_AUTHORITY ? m.nscount : m.arcount;
    const list = sectionList(m, s);
    for (let i = 0; i < count; i++) {
      const next = s === SECTION_QUESTION ? readQuestion(b, off, end, p, slot(list, i)) : readRecord(b, off, end, p, slot(list, i));
      if (next < 0) {
        if (cutBySegment && names.short) l.truncated = true;
        else l.fail('dns', `${SECTION_NAMES[s]} ${i + 1} of ${count}: ${names.error}`);
        return;
      }
      setSectionCount(m, s, i + 1);
      p = next;
    }
  }
}

/**
 * Reads a question into `r`; returns the offset after it or -1 (names.error says why when the name is bad).
 * Here, as in readRecord, names and RDATA are checked; their text is made when first read (DnsRecord.defer).
 */
function readQuestion(b: Uint8Array, msgOff: number, end: number, p: number, r: DnsRecord): number {
  const nameOff = p;
  if (!names.read(b, msgOff, end, p, false)) return -1;
  p = names.end;
  if (p + 4 > end) {
    names.cut('question type/class cut at the end of the message');
    return -1;
  }
  r.type = (b[p]! << 8) | b[p + 1]!;
  r.cls = (b[p + 2]! << 8) | b[p + 3]!;
  r.ttl = 0;
  r.defer(b, msgOff, end, nameOff, 0, -1);
  return p + 4;
}

/** Reads a resource record into `r`; returns the offset after it or -1. */
function readRecord(b: Uint8Array, msgOff: number, end: number, p: number, r: DnsRecord): number {
  const nameOff = p;
  if (!names.read(b, msgOff, end, p, false)) return -1;
  p = names.end;
  if (p + 10 > end) {
    names.cut('record header cut at the end of the message');
    return -1;
  }
  r.type = (b[p]! << 8) | b[p + 1]!;
  r.cls = (b[p + 2]! << 8) | b[p + 3]!;
  r.ttl = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
  const rdLen = (b[p + 8]! << 8) | b[p + 9]!;
  p += 10;
  if (p + rdLen > end) {
    names.cut(`RDATA of ${rdLen} bytes runs past the end of the message`);
    return -1;
  }
  if (formatRdata(names, b, msgOff, end, p, rdLen, r, false) === null) return -1;
  r.defer(b, msgOff, end, nameOff, p, rdLen);
  return p + rdLen;
}
