/**
 * Per-minute history for `--db`: when packet time crosses a minute boundary,
 * the finished minute's packets, bytes, ended flows and alerts are queued to
 * the history database (written off the packet path in batched transactions).
 * `wirewatch serve --db` draws its history chart from these rows.
 */
import type { Stage } from '../pipeline.js';
import type { Packet } from '../decode/packet.js';
import type { EventBus } from '../events.js';
import type { HistoryDb } from '../output/sqlite.js';

export class MinuteStatsWriter implements Stage {
  readonly name = 'minute-stats';
  private minute = -1;
  private pkts = 0;
  private bytes = 0;
  private flows = 0;
  private alerts = 0;

  constructor(
    private readonly db: HistoryDb,
    bus: EventBus,
  ) {
    bus.onCount('flow', () => this.flows++);
    bus.on('alert', () => this.alerts++);
  }

  onPacket(pkt: Packet): void {
    const m = Math.floor(pkt.tsSec / 60);
    if (m !== this.minute) {
      // Packet time moved to another minute (a backwards step in a capture starts a new minute row too).
      if (this.minute >= 0) this.write(this.minute);
      this.minute = m;
    }
    this.pkts++;
    this.bytes += pkt.len;
  }

  /**
   * Writes the last (partial) minute. Called when the run closes, after every
   * stage's onEnd, so flows ended and alerts raised at end of input count.
   */
  finish(): void {
    if (this.minute >= 0) this.write(this.minute);
    this.minute = -1;
  }

  private write(minute: number): void {
    this.db.insertStat(minute, 'packets', this.pkts);
    this.db.insertStat(minute, 'bytes', this.bytes);
    this.db.insertStat(minute, 'flows', this.flows);
    this.db.insertStat(minute, 'alerts', this.alerts);
    this.pkts = this.bytes = this.flows = this.alerts = 0;
  }
}
