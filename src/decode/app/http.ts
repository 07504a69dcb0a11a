/**
 * HTTP/1.x request head (RFC 9112 3, 5): request line, Host and User-Agent.
 * Looks at one segment only and at most MAX_SCAN bytes of it; header lines
 * past that (or past the segment) are simply not seen.
 */
import { App, type Layers } from '../packet.js';
import { latin1 } from './http-fields.js';

/** Bytes of the payload examined: request heads are small, payload bodies are not our business. */
const MAX_SCAN = 8192;
/** Longest method token accepted (the longest registered method, VERSION-CONTROL, has 15). */
const MAX_METHOD = 24;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

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

function isKnownMethod(b: Uint8Array, from: number, to: number): boolean {
  return to - from <= 9 && KNOWN_METHODS.has(latin1(b, from, to));
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
  } else if (!isKnownMethod(b, off, methodEnd)) {
    // A line without a version (HTTP/0.9 style) counts only with a well-known method.
    return false;
  }
  const h = l.http;
  h.method = common(COMMON_METHODS, b, off, methodEnd) ?? latin1(b, off, methodEnd);
  h.version = common(COMMON_VERSIONS, b, verStart, p) ?? latin1(b, verStart, p);
  // The target and the Host / User-Agent lines are sliced when first read (http-fields.ts).
  h.defer(b, uriStart, uriEnd, p, end);
  l.app = App.HttpRequest;
  return true;
}
