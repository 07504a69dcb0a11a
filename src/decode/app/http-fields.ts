/**
 * Text of an HTTP request head whose request line the decoder has checked
 * (see HttpRequest.defer): the target and the Host / User-Agent values are
 * sliced from the packet when a stage first reads them.
 */
import type { HttpRequest } from '../packet.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/**
 * A Buffer over the same bytes (no copy). The decoder reads every frame from
 * the reader's buffer, so the last one made is nearly always the one needed.
 */
let viewOf: Uint8Array | null = null;
let lastView: Buffer = Buffer.alloc(0);
function view(b: Uint8Array): Buffer {
  if (b !== viewOf) {
    viewOf = b;
    lastView = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }
  return lastView;
}

/**
 * Bytes as latin1 characters (what TextDecoder('latin1') gave in Node: one
 * character per byte, U+0000-U+00FF): Buffer's latin1 slicing is much
 * cheaper than a TextDecoder.
 */
export function latin1(b: Uint8Array, from: number, to: number): string {
  return view(b).toString('latin1', from, to);
}

/** True when b[p..] starts with the lower-case ASCII `name` followed by ':' (case-insensitive). */
function headerIs(b: Uint8Array, p: number, end: number, name: string): boolean {
  const n = name.length;
  if (p + n >= end || b[p + n] !== COLON) return false;
  for (let i = 0; i < n; i++) if ((b[p + i]! | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** Header value between the colon and the line end, without surrounding whitespace. */
function headerValue(b: Uint8Array, p: number, lineEnd: number): string {
  while (p < lineEnd && (b[p] === SP || b[p] === HT)) p++;
  let e = lineEnd;
  while (e > p && (b[e - 1] === SP || b[e - 1] === HT || b[e - 1] === CR)) e--;
  return latin1(b, p, e);
}

/**
 * Sets `h.host` and `h.userAgent` (the first of each) from the header lines
 * after the request line, which ends at `p` (its CR or LF), up to the empty
 * line or `end`.
 */
export function readHostAndAgent(h: HttpRequest, b: Uint8Array, p: number, end: number): void {
  let host = '';
  let userAgent = '';
  while (p < end && b[p] !== LF) p++;
  p++;
  while (p < end) {
    let lineEnd = p;
    while (lineEnd < end && b[lineEnd] !== LF) lineEnd++;
    if (lineEnd === p || (lineEnd === p + 1 && b[p] === CR)) break;
    if (host === '' && headerIs(b, p, lineEnd, 'host')) host = headerValue(b, p + 5, lineEnd);
    else if (userAgent === '' && headerIs(b, p, lineEnd, 'user-agent')) userAgent = headerValue(b, p + 11, lineEnd);
    // Later lines cannot change anything once both fields are set (only the first of each counts).
    if (host !== '' && userAgent !== '') break;
    p = lineEnd + 1;
  }
  h.host = host;
  h.userAgent = userAgent;
}
