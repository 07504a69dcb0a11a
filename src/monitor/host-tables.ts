/**
 * The monitor's top talkers and top ports: two Space-Saving tables (topk.ts)
 * fed one IP packet at a time, in packet order, by the monitor's analysis
 * (tcp-analysis.ts, in its worker thread by default): the packet thread only
 * queues each packet's address keys, frame length and port key.
 *
 * Consecutive packets often share their address pair, in either direction (a
 * conversation, or one host pair on a link), and their port: the first
 * packet of a run updates the tables, the next ones are summed here and reach
 * the tables in one update when the run ends (or the tables are read). The
 * tables then see the same updates in the same order, only grouped, so
 * counts and evictions are unchanged: between the first packet and the flush
 * no other key updates the table, so the run's keys still hold their cache
 * slots (for a pair, unless both keys share one slot: such a pair is not
 * summed).
 */
import { SpaceSaving, type TopEntry } from './topk.js';
import { formatIPv4, formatIPv6Words } from '../util/format.js';

// Port keys: the protocol in the high bits so that TCP 53 and UDP 53 differ; 0 = no port (not TCP or UDP).
export const PORT_TCP = 0x10000;
export const PORT_UDP = 0x20000;

/** The port key of a TCP or UDP packet: the lower port, a good proxy for the service. */
export function portKey(proto: typeof PORT_TCP | typeof PORT_UDP, sport: number, dport: number): number {
  return proto | (sport < dport ? sport : dport);
}

/** Text of a port key ("tcp/443"). */
export function portLabel(k: number): string {
  return `${(k & PORT_UDP) !== 0 ? 'udp' : 'tcp'}/${k & 0xffff}`;
}

/** Text of a talker from its tag words (IPv4-mapped or IPv6, as HostTables tags them). */
export function addrLabel(e: TopEntry): string {
  const t = e.tag;
  return t[0] === 0 && t[1] === 0 && t[2] === 0xffff ? formatIPv4(t[3]) : formatIPv6Words(t);
}

/** The tables' memory: one buffer per table, shared with a reader on another thread when the analysis runs in one. */
export interface HostTableBuffers {
  talkers: ArrayBuffer | SharedArrayBuffer;
  ports: ArrayBuffer | SharedArrayBuffer;
}

export function hostTableBuffers(capacity: number, shared: boolean): HostTableBuffers {
  const make = (): ArrayBuffer | SharedArrayBuffer => (shared ? new SharedArrayBuffer(SpaceSaving.bytes(capacity)) : new ArrayBuffer(SpaceSaving.bytes(capacity)));
  return { talkers: make(), ports: make() };
}

export class HostTables {
  /** Top talkers: ranked by bytes (the Space-Saving weight), with packets alongside. */
  readonly talkers: SpaceSaving;
  /** Top ports: ranked by packets, with bytes alongside. */
  readonly ports: SpaceSaving;
  private pairSrc = NaN;
  private pairDst = NaN;
  /** Bytes and packets of the pair's run after its first packet, not yet added. */
  private pairBytes = 0;
  private pairPkts = 0;
  /** Tag words of pairSrc (0..3) and pairDst (4..7), for the flush. */
  private readonly pairTags = new Uint32Array(8);
  private portKey = NaN;
  private portPkts = 0;
  private portBytes = 0;

  constructor(capacity: number, bufs: HostTableBuffers = hostTableBuffers(capacity, false)) {
    this.talkers = new SpaceSaving(capacity, bufs.talkers);
    this.ports = new SpaceSaving(capacity, bufs.ports);
  }

  /**
   * Counts an IP packet of `len` bytes from address key `sk` to `dk`
   * (util/addr-key.ts) and of port key `port` (0: none). `addr` holds the
   * IPv6 addresses' words at [at, at + 8) (source, then destination), or is
   * null for IPv4 (whose keys are the addresses).
   */
  add(sk: number, dk: number, len: number, port: number, addr: Uint32Array | null, at: number): void {
    // A reply (dst → src) adds the same bytes to the same two talkers: it continues the run too.
    if ((sk === this.pairSrc && dk === this.pairDst) || (sk === this.pairDst && dk === this.pairSrc)) {
      this.pairBytes += len;
      this.pairPkts++;
    } else this.startPair(sk, dk, len, addr, at);
    if (port !== 0) this.addPort(port, len);
  }

  /** Adds every pending run to the tables and commits the tables' caches: a reader then sees every packet. */
  flush(): void {
    this.flushPair();
    this.flushPort();
    this.talkers.flush();
    this.ports.flush();
  }

  /** Counts a packet of `len` bytes for port key `key`. */
  private addPort(key: number, len: number): void {
    if (key === this.portKey) {
      this.portPkts++;
      this.portBytes += len;
      return;
    }
    this.flushPort();
    this.ports.add(key, 1, len);
    this.portKey = key;
  }

  /** Adds the current port run's pending packets and ends the run. */
  private flushPort(): void {
    if (this.portPkts !== 0) {
      this.ports.add(this.portKey, this.portPkts, this.portBytes);
      this.portPkts = this.portBytes = 0;
    }
    this.portKey = NaN;
  }

  /** The packet starts a new address pair run (arguments as for add). */
  private startPair(sk: number, dk: number, len: number, addr: Uint32Array | null, at: number): void {
    this.flushPair();
    // Tags are the address words (IPv4 as IPv4-mapped IPv6), formatted only when reported.
    const t = this.pairTags;
    if (addr === null) {
      t[0] = t[1] = t[4] = t[5] = 0;
      t[2] = t[6] = 0xffff;
      t[3] = sk;
      t[7] = dk;
    } else t.set(addr.subarray(at, at + 8));
    const hs = this.talkers.add(sk, len, 1, t[0]!, t[1]!, t[2]!, t[3]!);
    const hd = this.talkers.add(dk, len, 1, t[4]!, t[5]!, t[6]!, t[7]!);
    if (hs !== hd || sk === dk) {
      this.pairSrc = sk;
      this.pairDst = dk;
    }
  }

  /** Adds the current pair run's pending bytes and packets to the talkers, source then destination (as per packet), and ends the run. */
  private flushPair(): void {
    if (this.pairPkts !== 0) {
      const t = this.pairTags;
      this.talkers.add(this.pairSrc, this.pairBytes, this.pairPkts, t[0]!, t[1]!, t[2]!, t[3]!);
      this.talkers.add(this.pairDst, this.pairBytes, this.pairPkts, t[4]!, t[5]!, t[6]!, t[7]!);
      this.pairBytes = this.pairPkts = 0;
    }
    this.pairSrc = this.pairDst = NaN;
  }
}
