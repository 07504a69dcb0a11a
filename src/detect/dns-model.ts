/**
 * A character trigram model of benign registrable-domain labels. Trained on
 * a top-sites list (scripts/train-dns-model.ts), it scores a label by its
 * mean surprisal in bits per character: dictionary-like names score low,
 * random-character DGA names high. The model file holds the interpolated
 * log-probability table, not the training list.
 */
import { readFileSync } from 'node:fs';
import { getDomain, getDomainWithoutSuffix, parse } from 'tldts';

/** Symbol 0 is the label boundary; 37 collects anything outside [a-z0-9-]. */
const ALPHABET = '^abcdefghijklmnopqrstuvwxyz0123456789-_';
export const A = ALPHABET.length;
const OTHER = A - 1;
/** log2 probabilities are stored as int16 in 1/SCALE bits. */
const SCALE = 256;

const CODE = new Uint8Array(128).fill(OTHER);
for (let i = 1; i < A - 1; i++) CODE[ALPHABET.charCodeAt(i)] = i;

function sym(c: number): number {
  if (c >= 65 && c <= 90) c |= 0x20;
  return c < 128 ? CODE[c]! : OTHER;
}

export interface DnsModelFile {
  format: 'wirewatch-dns-trigram';
  version: 1;
  alphabet: string;
  scale: number;
  /** base64 of Int16Array(A^3) little-endian: round(log2 P(c | a b) * scale). */
  logp: string;
  /** Labels shorter than this are not scored. */
  minLabelLength: number;
  /** Scores at or above this are DGA-like (calibrated on held-out benign names); max of `thresholds`. */
  threshold: number;
  /** Per label length (index = min(length, thresholds.length - 1)): short labels vary more, so they get their own cut. */
  thresholds: number[];
  /** False-positive rate the threshold was calibrated for, and what it trained on. */
  calibration: { targetFpr: number; calibrationNames: number; achievedFpr: number };
  training: { file: string; sha256: string; names: number; split: string };
}

export class TrigramCounts {
  readonly tri = new Float64Array(A * A * A);
  readonly bi = new Float64Array(A * A);
  readonly uni = new Float64Array(A);
  names = 0;

  add(label: string): void {
    let a = 0;
    let b = 0;
    for (let i = 0; i <= label.length; i++) {
      const c = i < label.length ? sym(label.charCodeAt(i)) : 0;
      this.tri[(a * A + b) * A + c]!++;
      this.bi[b * A + c]!++;
      this.uni[c]!++;
      a = b;
      b = c;
    }
    this.names++;
  }

  /** Interpolated (Jelinek-Mercer) trigram table with add-k smoothing at each order. */
  toLogTable(l3 = 0.6, l2 = 0.3, l1 = 0.1, k = 0.1): Int16Array {
    const out = new Int16Array(A * A * A);
    let uniTotal = 0;
    for (let c = 0; c < A; c++) uniTotal += this.uni[c]!;
    const biCtx = new Float64Array(A);
    for (let b = 0; b < A; b++) for (let c = 0; c < A; c++) biCtx[b]! += this.bi[b * A + c]!;
    for (let a = 0; a < A; a++) {
      for (let b = 0; b < A; b++) {
        let triCtx = 0;
        for (let c = 0; c < A; c++) triCtx += this.tri[(a * A + b) * A + c]!;
        for (let c = 0; c < A; c++) {
          const p3 = (this.tri[(a * A + b) * A + c]! + k) / (triCtx + k * A);
          const p2 = (this.bi[b * A + c]! + k) / (biCtx[b]! + k * A);
          const p1 = (this.uni[c]! + k) / (uniTotal + k * A);
          const p = l3 * p3 + l2 * p2 + l1 * p1;
          out[(a * A + b) * A + c] = Math.max(-32768, Math.round(Math.log2(p) * SCALE));
        }
      }
    }
    return out;
  }
}

export class DnsModel {
  readonly minLabelLength: number;
  readonly threshold: number;
  private readonly thresholds: Float64Array;

  constructor(
    private readonly logp: Int16Array,
    minLabelLength: number,
    thresholds: readonly number[],
  ) {
    if (logp.length !== A * A * A) throw new Error(`DNS model: table has ${logp.length} entries, expected ${A * A * A}`);
    if (thresholds.length === 0) throw new Error('DNS model: no thresholds');
    this.minLabelLength = minLabelLength;
    this.thresholds = Float64Array.from(thresholds);
    this.threshold = Math.max(...thresholds);
  }

  /** The cut for a label of this length. */
  thresholdFor(length: number): number {
    return this.thresholds[Math.min(length, this.thresholds.length - 1)]!;
  }

  /** Score minus its length's threshold: >= 0 means DGA-like; NaN when not scorable. */
  margin(name: string): number {
    const label = scoredLabel(name);
    if (label === null || label.length < this.minLabelLength || label.startsWith('xn--')) return NaN;
    return this.scoreLabel(label) - this.thresholdFor(label.length);
  }

  isDga(name: string): boolean {
    return this.margin(name) >= 0;
  }

  static fromFile(file: string): DnsModel {
    let m: DnsModelFile;
    try {
      m = JSON.parse(readFileSync(file, 'utf8')) as DnsModelFile;
    } catch (e) {
      throw new Error(`${file}: cannot read DNS model: ${(e as Error).message}`);
    }
    if (m.format !== 'wirewatch-dns-trigram' || m.alphabet !== ALPHABET || typeof m.logp !== 'string') {
      throw new Error(`${file}: not a wirewatch DNS trigram model (format ${String(m.format)})`);
    }
    const buf = Buffer.from(m.logp, 'base64');
    const table = new Int16Array(A * A * A);
    for (let i = 0; i < table.length; i++) table[i] = buf.readInt16LE(i * 2);
    if (!Array.isArray(m.thresholds) || m.thresholds.some((t) => typeof t !== 'number')) throw new Error(`${file}: DNS model has no per-length thresholds`);
    return new DnsModel(table, m.minLabelLength, m.thresholds);
  }

  static encodeTable(t: Int16Array): string {
    const buf = Buffer.alloc(t.length * 2);
    for (let i = 0; i < t.length; i++) buf.writeInt16LE(t[i]!, i * 2);
    return buf.toString('base64');
  }

  static get alphabet(): string {
    return ALPHABET;
  }

  static get scale(): number {
    return SCALE;
  }

  /** Mean surprisal of the label in bits per symbol (boundary included). */
  scoreLabel(label: string): number {
    let a = 0;
    let b = 0;
    let bits = 0;
    for (let i = 0; i <= label.length; i++) {
      const c = i < label.length ? sym(label.charCodeAt(i)) : 0;
      bits -= this.logp[(a * A + b) * A + c]!;
      a = b;
      b = c;
    }
    return bits / SCALE / (label.length + 1);
  }

  /**
   * Scores a full query name: the label left of the public suffix (private
   * suffixes such as ddns.net count, so dynamic-DNS children are scored).
   * Returns NaN when the name has no scorable label.
   */
  scoreName(name: string): number {
    const label = scoredLabel(name);
    if (label === null || label.length < this.minLabelLength || label.startsWith('xn--')) return NaN;
    return this.scoreLabel(label);
  }
}

/** What the DNS detector needs of a query name, from one public-suffix look-up. */
export interface NameParts {
  readonly name: string;
  /** registeredDomain(name). */
  readonly registered: string;
  /** scoredLabel(name). */
  readonly label: string | null;
}

const SUFFIX_OPTIONS = { allowPrivateDomains: true };
let lastParts: NameParts | null = null;
/** Names parsed lately (a tldts parse costs about a microsecond; a network asks for the same few names again and again). */
const recentParts = new Map<string, NameParts>();
/** Bound of recentParts: when full it starts over (a memo, so what it forgets is only parsed again). */
const RECENT_PARTS_MAX = 4096;

/**
 * registeredDomain and scoredLabel of a name at the cost of one tldts parse
 * (the detector asks for both), remembered for the names seen lately: the
 * last one (the A and AAAA queries of one look-up come in a row) and up to
 * RECENT_PARTS_MAX others.
 */
export function nameParts(name: string): NameParts {
  if (lastParts !== null && lastParts.name === name) return lastParts;
  let p = recentParts.get(name);
  if (p === undefined) {
    // parse() runs the same steps as getDomain and getDomainWithoutSuffix with the same options, and returns both.
    const r = parse(name, SUFFIX_OPTIONS);
    const l = r.domainWithoutSuffix;
    p = { name, registered: r.domain ?? name.toLowerCase(), label: l === null || l === '' ? null : l.toLowerCase() };
    if (recentParts.size >= RECENT_PARTS_MAX) recentParts.clear();
    recentParts.set(name, p);
  }
  lastParts = p;
  return p;
}

/** The label a name is judged by: its registrable domain without the suffix. */
export function scoredLabel(name: string): string | null {
  const l = getDomainWithoutSuffix(name, { allowPrivateDomains: true });
  return l === null || l === '' ? null : l.toLowerCase();
}

/** Registered domain (eTLD+1, ICANN and private suffixes) or the name itself. */
export function registeredDomain(name: string): string {
  return getDomain(name, { allowPrivateDomains: true }) ?? name.toLowerCase();
}

/** entropyBits' scratch: count per (case-folded) UTF-16 code unit, all zero between calls, and the units in order of first appearance. */
const charCounts = new Uint32Array(65536);
const charOrder = new Uint16Array(65536);

/** Shannon entropy in bits per character. */
export function entropyBits(s: string): number {
  const len = s.length;
  if (len === 0) return 0;
  let distinct = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (charCounts[c]++ === 0) charOrder[distinct++] = c;
  }
  // Summed in order of first appearance (as a Map of counts would iterate), so the result is the same to the last bit.
  let h = 0;
  for (let k = 0; k < distinct; k++) {
    const c = charOrder[k]!;
    const p = charCounts[c]! / len;
    charCounts[c] = 0;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Deterministic split bucket 0..99 of a registered domain (FNV-1a), for train/test splits by domain. */
export function domainBucket(domain: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < domain.length; i++) h = Math.imul(h ^ domain.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 100;
}
