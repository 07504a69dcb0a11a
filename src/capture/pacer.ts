/**
 * Replay pacing: frame k is due at start + (ts_k - ts_0) / speed on the
 * monotonic clock. Every target is computed from the first frame, so timer
 * lateness never accumulates into drift.
 */
export class Pacer {
  private startWall = -1;
  private startSec = 0;
  private startNsec = 0;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;

  constructor(readonly speed: number) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`replay speed must be a positive number, got ${speed}`);
  }

  /** Milliseconds until a frame stamped (sec, nsec) is due; 0 when it is due now. */
  delayMs(sec: number, nsec: number): number {
    const now = performance.now();
    if (this.startWall < 0) {
      this.startWall = now;
      this.startSec = sec;
      this.startNsec = nsec;
      return 0;
    }
    const relMs = ((sec - this.startSec) * 1e3 + (nsec - this.startNsec) / 1e6) / this.speed;
    const d = this.startWall + relMs - now;
    // Sub-millisecond waits are below timer resolution: deliver now, the next target still counts from the start.
    return d >= 1 ? d : 0;
  }

  /** Waits without blocking the event loop; `cancel()` ends the wait at once. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.wake = null;
        resolve();
      }, ms);
    });
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
