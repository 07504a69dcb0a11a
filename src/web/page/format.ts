/** Number, size, rate and time formatting for the page. */

const UNITS = ['', 'k', 'M', 'G', 'T', 'P'];

/** 1234 → "1.23k"; integers below 10 000 stay exact. */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) < 10_000) return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(n < 10 ? 2 : 1);
  let i = 0;
  while (Math.abs(n) >= 1000 && i < UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)}${UNITS[i]}`;
}

export function bytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n.toFixed(0) : n.toFixed(n < 10 ? 2 : 1)} ${u[i]}`;
}

export function bits(bytesPerSec: number): string {
  return `${compact(bytesPerSec * 8)}b/s`;
}

/** Seconds → "850 µs", "12.3 ms", "1.20 s". */
export function seconds(s: number): string {
  if (!Number.isFinite(s) || s <= 0) return '–';
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(s < 0.01 ? 2 : 1)} ms`;
  if (s < 120) return `${s.toFixed(2)} s`;
  return `${(s / 60).toFixed(1)} min`;
}

/** ISO timestamp → "20:24:18.655" (UTC, the packet time). */
export function clock(iso: string): string {
  const m = /T(\d\d:\d\d:\d\d(?:\.\d{1,3})?)/.exec(iso);
  return m !== null ? m[1]! : iso;
}

export function endpoint(ip: string | null, port: number | null): string {
  const a = ip ?? '?';
  if (port === null) return a;
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}

export function percent(part: number, total: number): string {
  if (total <= 0) return '0%';
  const p = (part / total) * 100;
  return `${p < 0.1 && p > 0 ? '<0.1' : p.toFixed(p < 10 ? 1 : 0)}%`;
}
