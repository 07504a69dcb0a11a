/** Builds pcapng blocks byte by byte for tests, in either byte order, independent of the writer under test. */
export class BlockBuilder {
  constructor(readonly le: boolean) {}

  private u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  }

  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  }

  private u64(v: bigint): Buffer {
    const b = Buffer.alloc(8);
    if (this.le) b.writeBigUInt64LE(BigInt.asUintN(64, v));
    else b.writeBigUInt64BE(BigInt.asUintN(64, v));
    return b;
  }

  option(code: number, value: Buffer): Buffer {
    const pad = Buffer.alloc((4 - (value.length % 4)) % 4);
    return Buffer.concat([this.u16(code), this.u16(value.length), value, pad]);
  }

  endOpt(): Buffer {
    return Buffer.alloc(4);
  }

  block(type: number, body: Buffer): Buffer {
    const len = 12 + body.length;
    if (len % 4 !== 0) throw new Error('unpadded body');
    return Buffer.concat([this.u32(type), this.u32(len), body, this.u32(len)]);
  }

  shb(options: Buffer = Buffer.alloc(0)): Buffer {
    return this.block(0x0a0d0d0a, Buffer.concat([this.u32(0x1a2b3c4d), this.u16(1), this.u16(0), this.u64(-1n), options]));
  }

  idb(linkType: number, snapLen: number, opts: { tsresol?: number; tsoffset?: bigint; name?: string } = {}): Buffer {
    const o: Buffer[] = [];
    if (opts.name !== undefined) o.push(this.option(2, Buffer.from(opts.name)));
    if (opts.tsresol !== undefined) o.push(this.option(9, Buffer.from([opts.tsresol])));
    if (opts.tsoffset !== undefined) o.push(this.option(14, this.u64(opts.tsoffset)));
    if (o.length > 0) o.push(this.endOpt());
    return this.block(1, Buffer.concat([this.u16(linkType), this.u16(0), this.u32(snapLen), ...o]));
  }

  private padded(data: Buffer): Buffer {
    return Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
  }

  epb(ifId: number, ts: bigint, data: Buffer, origLen = data.length, options: Buffer = Buffer.alloc(0)): Buffer {
    const hi = Number(ts >> 32n);
    const lo = Number(ts & 0xffffffffn);
    return this.block(
      6,
      Buffer.concat([this.u32(ifId), this.u32(hi), this.u32(lo), this.u32(data.length), this.u32(origLen), this.padded(data), options]),
    );
  }

  /** Obsolete Packet Block (type 2). */
  pb(ifId: number, ts: bigint, data: Buffer, origLen = data.length): Buffer {
    const hi = Number(ts >> 32n);
    const lo = Number(ts & 0xffffffffn);
    return this.block(
      2,
      Buffer.concat([this.u16(ifId), this.u16(0), this.u32(hi), this.u32(lo), this.u32(data.length), this.u32(origLen), this.padded(data)]),
    );
  }

  spb(origLen: number, data: Buffer): Buffer {
    return this.block(3, Buffer.concat([this.u32(origLen), this.padded(data)]));
  }

  /** Name Resolution Block with one IPv4 record, then nrb_record_end. */
  nrb(): Buffer {
    const rec = Buffer.concat([Buffer.from([192, 0, 2, 1]), Buffer.from('host.example\0')]);
    const recPadded = this.padded(rec);
    return this.block(4, Buffer.concat([this.u16(1), this.u16(rec.length), recPadded, this.u16(0), this.u16(0)]));
  }

  /** Interface Statistics Block without options. */
  isb(ifId: number): Buffer {
    return this.block(5, Buffer.concat([this.u32(ifId), this.u32(0), this.u32(0)]));
  }
}

/** A small Ethernet + IPv4 + UDP frame of `size` bytes (contents only need to be plausible). */
export function sampleFrame(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  if (size >= 14) {
    b.writeUInt16BE(0x0800, 12);
  }
  return b;
}
