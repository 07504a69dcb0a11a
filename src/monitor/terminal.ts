/**
 * The terminal face of the monitoring stage, always on stderr so stdout stays
 * machine-readable: a progress bar while reading a file (when stderr is a
 * terminal), a one-line status during live capture, and a summary table at
 * the end (totals, protocol mix, top talkers, alerts by signature).
 */
import type { SourceStats } from '../capture/frame.js';
import type { MonitorSnapshot } from './monitor-stage.js';

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function humanCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** "[#####.....]  42%  12.3 MiB / 29.1 MiB  81,234 pkt/s  ETA 3s" */
export function progressLine(stats: SourceStats, packets: number, elapsedMs: number, width = 24): string {
  const total = stats.bytesTotal;
  const rate = elapsedMs > 0 ? (packets * 1000) / elapsedMs : 0;
  if (total <= 0) return `${humanBytes(stats.bytesRead)} read  ${humanCount(rate)} pkt/s`;
  const frac = Math.min(1, stats.bytesRead / total);
  const filled = Math.round(frac * width);
  const bps = elapsedMs > 0 ? (stats.bytesRead * 1000) / elapsedMs : 0;
  const eta = bps > 0 ? Math.max(0, (total - stats.bytesRead) / bps) : NaN;
  const etaText = Number.isFinite(eta) ? `ETA ${eta < 60 ? `${eta.toFixed(0)}s` : `${Math.floor(eta / 60)}m${Math.round(eta % 60)}s`}` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(frac * 100)).padStart(3)}%  ${humanBytes(stats.bytesRead)} / ${humanBytes(total)}  ${humanCount(rate)} pkt/s  ${etaText}`;
}

/** "live: 12,345 pkt/s 9.1 MiB/s | drops 0/0 | flows 321 | alerts 4" */
export function statusLine(s: MonitorSnapshot, flows: number, alerts: number): string {
  return `live: ${humanCount(s.pps1s)} pkt/s ${humanBytes(s.bps1s)}/s | ${humanCount(s.packets)} pkts | drops ${s.dropped}/${s.ifDropped} | flows ${humanCount(flows)} | alerts ${alerts}`;
}

function table(title: string, header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? humanCount(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`${title}`, `  ${fmt(header)}`, ...cells.slice(1).map((r) => `  ${fmt(r)}`)].join('\n');
}

/** The end-of-run summary table. */
export function summaryTable(s: MonitorSnapshot, alertsBySignature: Map<string, number>, flows: number): string {
  const parts: string[] = [];
  parts.push(`Totals: ${humanCount(s.packets)} packets, ${humanBytes(s.bytes)}, ${humanCount(flows)} flows, ${humanCount(s.malformed)} malformed, drops ${s.dropped} kernel / ${s.ifDropped} interface`);
  const mix = (name: string, m: Record<string, { pkts: number; bytes: number }>) => {
    const rows = Object.entries(m)
      .sort((a, b) => b[1].pkts - a[1].pkts)
      .map(([k, v]) => [k, v.pkts, humanBytes(v.bytes), `${((100 * v.pkts) / Math.max(1, s.packets)).toFixed(1)}%`]);
    return table(`Protocol mix (${name})`, ['protocol', 'packets', 'bytes', 'share'], rows);
  };
  parts.push(mix('network', s.l3), mix('transport', s.l4), mix('application', s.app));
  parts.push(table(`Top talkers by bytes (error ≤ ${humanBytes(s.topErrorBound)})`, ['address', 'bytes', 'packets'], s.topTalkersBytes.map((t) => [t.addr, humanBytes(t.bytes), t.pkts])));
  const t = s.tcp;
  const ms = (v: number) => (Number.isFinite(v) ? `${(v * 1000).toFixed(3)} ms` : '-');
  parts.push(
    `TCP: ${humanCount(t.connections)} connections, ${humanCount(t.handshakes)} handshakes (RTT p50 ${ms(t.handshakeRtt.p50)}, p90 ${ms(t.handshakeRtt.p90)}, p99 ${ms(t.handshakeRtt.p99)}), ` +
      `${humanCount(t.retransmissions)} retransmissions, ${humanCount(t.outOfOrder)} out-of-order, ${humanCount(t.zeroWindows)} zero windows, ${humanCount(t.resets)} resets; ICMP unreachable ${humanCount(s.icmpUnreachable)}`,
  );
  if (alertsBySignature.size > 0) {
    const rows = [...alertsBySignature.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v]);
    parts.push(table('Alerts by signature', ['signature', 'alerts'], rows));
  } else parts.push('Alerts: none');
  return parts.join('\n\n') + '\n';
}
