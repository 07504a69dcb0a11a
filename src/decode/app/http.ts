/**
 * HTTP/1.x request head (RFC 9112 3, 5): request line, Host and User-Agent.
 * Looks at one segment only and at most MAX_SCAN bytes of it; header lines
 * past that (or past the segment) are simply not seen.
 */
import { App, type HttpRequest, type Layers } from '../packet.js';

/** Bytes of the payload examined: request heads are small, payload bodies are not our business. */
const MAX_SCAN = 8192;
/** Longest method token accepted (the longest registered method, VERSION-CONTROL, has 15). */
const MAX_METHOD = 24;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** Values seen on nearly every request, returned as shared strings instead of decoding them again. */
const COMMON_METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT'];
const COMMON_VERSIONS = ['HTTP/1.1', 'HTTP/1.0'];

/** The string of `list` spelled by b[from, to) (ASCII), or null. */
function common(list: readonly string[], b: Uint8Array, from: number, to: number): string | null {
  const n = to - from;
  outer: for (const s of list) {
    if (s.length !== n) continue;
    for (let i = 0; i < n; i++) if (b[from + i] !== s.charCodeAt(i)) continue outer;
    return s;
  }
  return null;
}

/** RFC 9110 tchar, restricted to what methods use in practice: A-Z, '-', '_'. */
function isMethodChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f;
}

/** Methods of RFC 9110 and WebDAV, accepted on a request line without an HTTP version. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK']);

function isKnownMethod(b: Buffer, from: number, to: number): boolean {
  return to - from <= 9 && KNOWN_METHODS.has(text(b, from, to));
}

/**
 * Bytes as latin1 characters (what TextDecoder('latin1') gave in Node: one
 * character per byte, U+0000-U+00FF). `b` is a Buffer view: its latin1
 * slicing is much cheaper than a TextDecoder.
 */
function text(b: Buffer, from: number, to: number): string {
  return b.toString('latin1', from, to);
}

/** True when b[p..] starts with the lower-case ASCII `name` followed by ':' (case-insensitive). */
function headerIs(b: Uint8Array, p: number, end: number, name: string): boolean {
  const n = name.length;
  if (p + n >= end || b[p + n] !== COLON) return false;
  for (let i = 0; i < n; i++) if ((b[p + i]! | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** Header value between the colon and the line end, without surrounding whitespace. */
function headerValue(b: Buffer, p: number, lineEnd: number): string {
  while (p < lineEnd && (b[p] === SP || b[p] === HT)) p++;
  let e = lineEnd;
  while (e > p && (b[e - 1] === SP || b[e - 1] === HT || b[e - 1] === CR)) e--;
  return text(b, p, e);
}

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

function resetRequest(h: HttpRequest): void {
  h.method = h.uri = h.version = h.host = h.userAgent = '';
}

/**
 * Decodes an HTTP/1.x request head at `b[off .. off+len)`. Returns false,
 * leaving `l` untouched, unless the payload starts with a complete request
 * line "METHOD SP request-target SP HTTP/x.y" (or, for a well-known method,
 * "METHOD SP request-target" as HTTP/0.9 and tshark accept; version '').
 */
export function decodeHttpRequest(l: Layers, b: Uint8Array, off: number, len: number): boolean {
  const end = Math.min(off + len, off + MAX_SCAN, b.length);
  let p = off;
  while (p < end && p - off <= MAX_METHOD && isMethodChar(b[p]!)) p++;
  if (p === off || p >= end || b[p] !== SP) return false;
  const methodEnd = p;
  const uriStart = ++p;
  while (p < end && b[p] !== SP && b[p] !== CR && b[p] !== LF) p++;
  if (p === uriStart || p >= end) return false;
  const uriEnd = p;
  let verStart = p;
  if (b[p] === SP) {
    verStart = ++p;
    // "HTTP/" then the version digits, up to the end of the line.
    if (verStart + 8 > end || b[p] !== 0x48 || b[p + 1] !== 0x54 || b[p + 2] !== 0x54 || b[p + 3] !== 0x50 || b[p + 4] !== 0x2f) return false;
    while (p < end && b[p] !== CR && b[p] !== LF) p++;
    if (p >= end) return false;
  } else if (!isKnownMethod(view(b), off, methodEnd)) {
    // A line without a version (HTTP/0.9 style) counts only with a well-known method.
    return false;
  }
  const h = l.http;
  resetRequest(h);
  const v = view(b);
  h.method = common(COMMON_METHODS, b, off, methodEnd) ?? text(v, off, methodEnd);
  h.uri = text(v, uriStart, uriEnd);
  h.version = common(COMMON_VERSIONS, b, verStart, p) ?? text(v, verStart, p);
  l.app = App.HttpRequest;

  // Header lines until the empty line (or the end of what we scan).
  while (p < end && b[p] !== LF) p++;
  p++;
  while (p < end) {
    let lineEnd = p;
    while (lineEnd < end && b[lineEnd] !== LF) lineEnd++;
    if (lineEnd === p || (lineEnd === p + 1 && b[p] === CR)) break;
    if (h.host === '' && headerIs(b, p, lineEnd, 'host')) h.host = headerValue(v, p + 5, lineEnd);
    else if (h.userAgent === '' && headerIs(b, p, lineEnd, 'user-agent')) h.userAgent = headerValue(v, p + 11, lineEnd);
    // Later lines cannot change anything once both fields are set (only the first of each counts).
    if (h.host !== '' && h.userAgent !== '') break;
    p = lineEnd + 1;
  }
  return true;
}
