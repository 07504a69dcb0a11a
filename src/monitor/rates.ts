/**
 * Per-second packet and byte counts in a ring, driven by packet time, with the
 * 1-minute and 5-minute averages the dashboard and `stats` records show.
 */
const RING = 300;

export class RateRing {
  private readonly pkts = new Float64Array(RING);
  private readonly bytes = new Float64Array(RING);
  /** Packet-time second of the newest slot, or -1 before the first packet. */
  private head = -1;
  /** Ring index of the head second (kept so that a packet in the current second costs no modulo). */
  private headSlot = 0;
  private filled = 0;

  add(sec: number, bytes: number): void {
    this.addMany(sec, 1, bytes);
  }

  /** Adds `pkts` packets of `bytes` bytes in total seen at second `sec` (a packet older than the head counts in the head second). */
  addMany(sec: number, pkts: number, bytes: number): void {
    if (sec !== this.head) this.advance(sec);
    const i = this.headSlot;
    this.pkts[i]! += pkts;
    this.bytes[i]! += bytes;
  }

  /** Moves the head to `sec`, zeroing the seconds in between (idle time counts as zero). */
  advance(sec: number): void {
    if (this.head < 0) {
      this.head = sec;
      this.headSlot = this.slot(sec);
      this.filled = 1;
      return;
    }
    if (sec <= this.head) return;
    const steps = Math.min(sec - this.head, RING);
    for (let k = 1; k <= steps; k++) {
      const i = this.slot(this.head + k);
      this.pkts[i] = 0;
      this.bytes[i] = 0;
    }
    this.filled = Math.min(RING, this.filled + steps);
    this.head = sec;
    this.headSlot = this.slot(sec);
  }

  private slot(sec: number): number {
    return ((sec % RING) + RING) % RING;
  }

  /** Newest completed-or-current second. */
  get headSec(): number {
    return this.head;
  }

  /** Packets and bytes of one second (0 if outside the ring). */
  at(sec: number): { pkts: number; bytes: number } {
    if (this.head < 0 || sec > this.head || sec <= this.head - RING) return { pkts: 0, bytes: 0 };
    const i = this.slot(sec);
    return { pkts: this.pkts[i]!, bytes: this.bytes[i]! };
  }

  /** Average packets/s and bytes/s over the last `window` seconds ending at the head (excluding the current, partial second when `complete`). */
  average(window: number, complete = true): { pps: number; bps: number } {
    if (this.head < 0) return { pps: 0, bps: 0 };
    const end = complete ? this.head - 1 : this.head;
    const n = Math.max(1, Math.min(window, this.filled - (complete ? 1 : 0)));
    let p = 0;
    let b = 0;
    for (let k = 0; k < n; k++) {
      const i = this.slot(end - k);
      p += this.pkts[i]!;
      b += this.bytes[i]!;
    }
    return { pps: p / n, bps: b / n };
  }
}
