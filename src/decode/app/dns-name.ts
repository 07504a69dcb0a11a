/**
 * DNS name decompression with tshark-compatible text.
 *
 * The text follows Wireshark 4.0 (packet-dns.c expand_dns_name + format_text)
 * so names compare 1:1 with `dns.qry.name`:
 *  - the root name is "<Root>";
 *  - a name whose text would exceed 253 characters is "<Name too long>";
 *  - an RFC 2673 extended label other than a bitstring is "<Unknown extended label>";
 *  - more than 255 pointer jumps (or a pointer cycle, which would reach that
 *    bound) is "<Name contains a pointer that loops>";
 *  - label bytes are shown as-is when printable ASCII, C escapes / 3-digit
 *    octal for other ASCII, and UTF-8 decoded (one U+FFFD per invalid or
 *    incomplete sequence, its valid continuation bytes included).
 * Label type 0x80 and pointers or labels outside the message are errors.
 *
 * Safety: a pointer target visited twice in one name is a cycle, so every
 * name walk is bounded; a per-message step budget (see NameReader.budget)
 * bounds the total work of adversarial messages with thousands of names.
 */

/**
 * Name-walk steps allowed per message: generous for any real message (a
 * 64 KiB message of maximally compressed names needs far less) yet bounding
 * adversarial pointer chains.
 */
export const STEP_BUDGET = 1 << 20;

/** Wireshark's MAX_DNAME_LEN: room for the text plus its terminating NUL. */
const MAX_DNAME_LEN = 255;
/** Wireshark stops after this many pointer jumps (pointers_count > 255). */
const MAX_POINTERS = 255;

export const ROOT_NAME = '<Root>';
export const NAME_TOO_LONG = '<Name too long>';
export const NAME_LOOPS = '<Name contains a pointer that loops>';
export const NAME_UNKNOWN_EXT = '<Unknown extended label>';

const HEX = '0123456789abcdef';

/** Per-offset visit stamps for cycle detection (one stamp per name walk, never cleared). */
const visited = new Uint32Array(65536);
let epoch = 0;

function nextEpoch(): number {
  epoch = (epoch + 1) >>> 0;
  if (epoch === 0) {
    visited.fill(0);
    epoch = 1;
  }
  return epoch;
}

/**
 * Renders raw label bytes the way Wireshark's format_text does. `s` is a
 * Buffer so that the common all-printable name is one cheap latin1 slice.
 */
export function formatNameText(s: Buffer, n: number): string {
  let plain = true;
  for (let i = 0; i < n; i++) {
    const c = s[i]!;
    if (c < 0x20 || c > 0x7e) {
      plain = false;
      break;
    }
  }
  if (plain) return s.toString('latin1', 0, n);
  let out = '';
  let i = 0;
  while (i < n) {
    const c = s[i++]!;
    if (c >= 0x20 && c <= 0x7e) {
      out += String.fromCharCode(c);
    } else if (c < 0x80) {
      out += asciiEscape(c);
    } else {
      let need: number;
      let cp: number;
      if ((c & 0xe0) === 0xc0) {
        need = 1;
        cp = c & 0x1f;
      } else if ((c & 0xf0) === 0xe0) {
        need = 2;
        cp = c & 0x0f;
      } else if ((c & 0xf8) === 0xf0) {
        need = 3;
        cp = c & 0x07;
      } else if ((c & 0xfc) === 0xf8) {
        // Obsolete 5- and 6-byte forms: their continuation bytes are consumed
        // into a single U+FFFD, as Wireshark does.
        need = 4;
        cp = -1;
      } else if ((c & 0xfe) === 0xfc) {
        need = 5;
        cp = -1;
      } else {
        out += '\ufffd';
        continue;
      }
      let ok = true;
      while (need > 0) {
        if (i >= n || (s[i]! & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
        if (cp >= 0) cp = (cp << 6) | (s[i]! & 0x3f);
        i++;
        need--;
      }
      out += ok && isValidScalar(cp, c) ? String.fromCodePoint(cp) : '\ufffd';
    }
  }
  return out;
}

/** Rejects overlong forms, surrogates and values above U+10FFFF. */
function isValidScalar(cp: number, lead: number): boolean {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  if ((lead & 0xe0) === 0xc0) return cp >= 0x80;
  if ((lead & 0xf0) === 0xe0) return cp >= 0x800;
  return cp >= 0x10000;
}

function asciiEscape(c: number): string {
  switch (c) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
    default:
      return '\\' + ((c >> 6) & 3) + ((c >> 3) & 7) + (c & 7);
  }
}

/**
 * Reusable name reader. `read()` fills `text` and `end` (offset just past the
 * name in place, i.e. where the next field starts) or sets `error`. With
 * `withText` false it only checks the name and finds its end (the decoder's
 * pass; the text is made later, when asked for): the walk, its errors and its
 * step count are the same either way.
 */
export class NameReader {
  text = '';
  end = 0;
  /** Why the last read (or the record being read) failed; '' when it did not. */
  error = '';
  /** True when the failure was running out of bytes (a cut message) rather than bad structure. */
  short = false;
  /** Remaining walk steps for the current message; reset per message. */
  budget = 0;
  private readonly raw = Buffer.alloc(MAX_DNAME_LEN);

  /**
   * Reads the name at `off`. `msgOff` is the message start (pointer base),
   * `msgEnd` the end of the bytes available. Returns false on a malformed name.
   */
  read(b: Uint8Array, msgOff: number, msgEnd: number, off: number, withText: boolean): boolean {
    const raw = this.raw;
    const stamp = nextEpoch();
    let p = off;
    let n = 0;
    let room = MAX_DNAME_LEN;
    let end = -1;
    let pointers = 0;
    let bitstring = false;
    this.error = '';
    this.short = false;
    for (;;) {
      if (--this.budget < 0) return this.bad('name decoding work limit exceeded');
      if (p >= msgEnd) return this.cut(`name at offset ${off - msgOff} runs past the end of the message`);
      const c = b[p++]!;
      if (c === 0) break;
      const kind = c & 0xc0;
      if (kind === 0x00) {
        if (n > 0 || bitstring) {
          if (room > 0) {
            raw[n++] = 0x2e;
            room--;
          }
        } else {
          room--;
        }
        if (p + c > msgEnd) return this.cut(`label at offset ${p - 1 - msgOff} runs past the end of the message`);
        if (withText) {
          for (let i = 0; i < c && room > 0; i++) {
            raw[n++] = b[p + i]!;
            room--;
          }
        }
        this.budget -= c >> 4;
        p += c;
      } else if (kind === 0xc0) {
        if (p >= msgEnd) return this.cut('compression pointer cut at the end of the message');
        const target = msgOff + (((c & 0x3f) << 8) | b[p]!);
        p++;
        pointers++;
        if (end < 0) end = p;
        // Wireshark also treats a pointer to 2 bytes past itself as a loop.
        if (pointers > MAX_POINTERS || visited[target] === stamp || target === p + 2) {
          this.text = NAME_LOOPS;
          this.end = end;
          return true;
        }
        visited[target] = stamp;
        p = target;
      } else if (kind === 0x40 && (c & 0x3f) === 0x01) {
        // RFC 2673 bitstring label: "\[x<hex>/<bits>]".
        if (p >= msgEnd) return this.cut('bitstring label cut at the end of the message');
        const bits = b[p++] || 256;
        const bytes = ((bits - 1) >> 3) + 1;
        if (p + bytes > msgEnd) return this.cut('bitstring label runs past the end of the message');
        if (withText) {
          let t = '\\[x';
          for (let i = 0; i < bytes; i++) t += HEX[b[p + i]! >> 4]! + HEX[b[p + i]! & 15]!;
          t += '/' + bits + ']';
          for (let i = 0; i < t.length && room > 1; i++) {
            raw[n++] = t.charCodeAt(i);
            room--;
          }
        }
        bitstring = true;
        p += bytes;
      } else if (kind === 0x40) {
        // The label's length is unknown: the name ends here, as in Wireshark.
        this.text = NAME_UNKNOWN_EXT;
        this.end = end < 0 ? p : end;
        return true;
      } else {
        return this.bad(`invalid label type 0x${c.toString(16)} at offset ${p - 1 - msgOff}`);
      }
    }
    this.end = end < 0 ? p : end;
    if (!withText) this.text = '';
    else if (room <= 0) this.text = NAME_TOO_LONG;
    else if (n === 0) this.text = ROOT_NAME;
    else this.text = formatNameText(raw, n);
    return true;
  }

  /** Records that the name ran past the available bytes. */
  cut(reason: string): boolean {
    this.short = true;
    return this.bad(reason);
  }

  /** Records why the name is malformed. */
  bad(reason: string): boolean {
    this.error = reason;
    this.text = '';
    return false;
  }
}
