/**
 * CSV fields appended as UTF-8 bytes to a growing Buffer. A flow row has
 * ~110 fields, mostly integers: building it as a JS string made ~220
 * concatenations, then a join and a UTF-8 encode per batch, which cost more
 * than the flow table itself. The packet printers' ByteEmitter does the
 * writing: unsigned 32-bit integers go in as digits, other numbers keep V8's
 * Number→String (the text must equal `String(v)` exactly), and strings are
 * copied byte by byte while they are ASCII.
 */
import { ByteEmitter, putUint } from '../output/emitter.js';

const COMMA = 0x2c;
const QUOTE = 0x22;
const ZERO = 0x30;
const NEWLINE = 0x0a;
/** Room for any number's text: String(v) is at most 25 characters, and putUint's 4-byte stores spill 3 bytes past its digits. */
const NUMBER_ROOM = 32;

export class CsvBytes extends ByteEmitter {
  /** The bytes written so far, handed over (the stream keeps them): writing goes on in a fresh Buffer of the same size. */
  takeBytes(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.setBuffer(Buffer.allocUnsafe(this.buf.length));
    this.pos = 0;
    return out;
  }

  comma(): void {
    this.reserve(1);
    this.byte(COMMA);
  }

  newline(): void {
    this.reserve(1);
    this.byte(NEWLINE);
  }

  /** A numeric field as csvField writes it: `String(v)`, or 0 for NaN and ±Infinity. */
  num(v: number): void {
    this.reserve(NUMBER_ROOM);
    // putUint writes 0..2^32-1 as digits and any other number as String(v) spells it.
    if (Number.isFinite(v)) this.pos = putUint(this.view, this.pos, v);
    else this.byte(ZERO);
  }

  /** A text field, quoted per RFC 4180 when it holds a separator, quote or line break; UTF-8 beyond ASCII. */
  text(s: string): void {
    const n = s.length;
    this.reserve(n);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || c === COMMA || c === QUOTE || c === 0x0a || c === 0x0d) {
        this.pos = start;
        this.str(/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }
}
