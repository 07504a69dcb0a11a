/** What the dashboard server shows: a running pipeline (LiveFeed) or a saved database (HistoryFeed). */
import type { ServerMessage } from './protocol.js';

export interface DashboardSource {
  readonly mode: 'live' | 'history';
  /** Messages that bring a newly connected page up to date. */
  initial(): ServerMessage[];
  /** The periodic update (the server calls it about once a second and sends it to every page). */
  tick(): ServerMessage | null;
  /** Messages pushed as they happen (new alerts). */
  onMessage(fn: (msg: ServerMessage) => void): void;
  close(): void;
}
