/**
 * AfterImage input from tshark field text, exactly as Kitsune-py's
 * FeatureExtractor reads it (the `-T fields` TSV of the reference, see
 * ../shared/datasets/kitsune/README.md). Keys are the reference's plain string
 * concatenations, so this front end reproduces its stream identities exactly,
 * collisions included. It exists to validate AfterImage apart from our own
 * packet decoder, and to score a tshark export.
 */
import { AfterImage, Slot } from './afterimage.js';
import { StringKeyIndex } from './keys.js';
import type { StreamGroup } from './streams.js';

/** The tshark fields Kitsune-py asks for, in its order. */
export const TSHARK_FIELDS: readonly string[] = [
  'frame.time_epoch', 'frame.len', 'eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport',
  'udp.srcport', 'udp.dstport', 'icmp.type', 'icmp.code', 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4',
  'arp.dst.hw_mac', 'arp.dst.proto_ipv4', 'ipv6.src', 'ipv6.dst',
];

/** tshark arguments that produce the reference's TSV for `file`. */
export function tsharkArgs(file: string): string[] {
  const a = ['-r', file, '-T', 'fields'];
  for (const f of TSHARK_FIELDS) a.push('-e', f);
  a.push('-E', 'header=y', '-E', 'occurrence=f');
  return a;
}

/** The fields FeatureExtractor derives from one TSV row. */
export interface ReferenceFields {
  t: number;
  len: number;
  srcMAC: string;
  dstMAC: string;
  srcIP: string;
  dstIP: string;
  srcProto: string;
  dstProto: string;
}

/** FeatureExtractor.get_next_vector's parsing rules (tshark path). Returns null for a row too short to use. */
export function parseTsharkRow(line: string, out: ReferenceFields): ReferenceFields | null {
  const r = line.split('\t');
  if (r.length < 19) {
    // tshark drops trailing empty fields on some rows; pad them back.
    if (r.length < 2) return null;
    while (r.length < 19) r.push('');
  }
  out.t = Number(r[0]);
  out.len = Number.parseInt(r[1]!, 10);
  if (!Number.isFinite(out.t) || !Number.isFinite(out.len)) return null;
  let srcIP = '';
  let dstIP = '';
  if (r[4] !== '') {
    srcIP = r[4]!;
    dstIP = r[5]!;
  } else if (r[17] !== '') {
    srcIP = r[17]!;
    dstIP = r[18]!;
  }
  let srcProto = r[6]! + r[8]!;
  let dstProto = r[7]! + r[9]!;
  if (srcProto === '') {
    if (r[12] !== '') {
      srcProto = 'arp';
      dstProto = 'arp';
      srcIP = r[14]!;
      dstIP = r[16]!;
    } else if (r[10] !== '') {
      srcProto = 'icmp';
      dstProto = 'icmp';
    } else if (srcIP + srcProto + dstIP + dstProto === '') {
      srcIP = r[2]!;
      dstIP = r[3]!;
    }
  }
  out.srcMAC = r[2]!;
  out.dstMAC = r[3]!;
  out.srcIP = srcIP;
  out.dstIP = dstIP;
  out.srcProto = srcProto;
  out.dstProto = dstProto;
  return out;
}

export function newReferenceFields(): ReferenceFields {
  return { t: 0, len: 0, srcMAC: '', dstMAC: '', srcIP: '', dstIP: '', srcProto: '', dstProto: '' };
}

/** Resolves string keys to stream ids of one group, creating streams at time t. */
class StringGroupKeys {
  readonly index = new StringKeyIndex();
  constructor(private readonly group: StreamGroup) {
    group.index = this.index;
  }
  id(key: string, t: number): number {
    let id = this.index.find(key);
    if (id < 0) {
      id = this.group.create(t);
      this.index.add(key, id);
    }
    return id;
  }
}

export class TsharkFrontEnd {
  private readonly mi: StringGroupKeys;
  private readonly h: StringGroupKeys | null;
  private readonly hh: StringGroupKeys;
  private readonly jit: StringGroupKeys;
  private readonly hp: StringGroupKeys;

  constructor(readonly ai: AfterImage) {
    this.mi = new StringGroupKeys(ai.mi);
    this.h = ai.h !== null ? new StringGroupKeys(ai.h) : null;
    this.hh = new StringGroupKeys(ai.hh);
    this.jit = new StringGroupKeys(ai.jit);
    this.hp = new StringGroupKeys(ai.hp);
  }

  /** Computes the feature vector of one parsed row into `out`. */
  process(f: ReferenceFields, out: Float64Array): void {
    const ai = this.ai;
    const t = f.t;
    ai.maintain(t);
    const ids = ai.ids;
    ids[Slot.MI] = this.mi.id(f.srcMAC + f.srcIP, t);
    ids[Slot.JIT] = this.jit.id(f.srcIP + f.dstIP, t);
    const arp = f.srcProto === 'arp';
    if (this.h === null) {
      ids[Slot.HH_SRC] = this.hh.id(f.srcIP, t);
      ids[Slot.HH_DST] = this.hh.id(f.dstIP, t);
      ids[Slot.HP_SRC] = this.hp.id(arp ? f.srcMAC : f.srcIP + f.srcProto, t);
      ids[Slot.HP_DST] = this.hp.id(arp ? f.dstMAC : f.dstIP + f.dstProto, t);
    } else {
      ids[Slot.H] = this.h.id(f.srcIP, t);
      ids[Slot.HH_SRC] = this.hh.id(`${f.srcIP}>${f.dstIP}`, t);
      ids[Slot.HH_DST] = this.hh.id(`${f.dstIP}>${f.srcIP}`, t);
      const a = arp ? f.srcMAC : `${f.srcIP}|${f.srcProto}`;
      const b = arp ? f.dstMAC : `${f.dstIP}|${f.dstProto}`;
      ids[Slot.HP_SRC] = this.hp.id(`${a}>${b}`, t);
      ids[Slot.HP_DST] = this.hp.id(`${b}>${a}`, t);
    }
    ai.compute(f.len, t, out);
  }
}
