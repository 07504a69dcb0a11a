/** The two live throughput charts (uPlot), sharing one time axis. */
import uPlot from 'uplot';
import type { SeriesPoint } from '../protocol.js';
import { bits, compact } from './format.js';

/** Points kept on screen; older ones scroll out. */
const MAX_POINTS = 3600;

interface ChartSpec {
  el: HTMLElement;
  label: string;
  color: string;
  fill: string;
  axis: (v: number) => string;
}

export class ThroughputCharts {
  private readonly xs: number[] = [];
  private readonly pps: number[] = [];
  private readonly bps: number[] = [];
  private readonly charts: { plot: uPlot; el: HTMLElement; ys: number[] }[] = [];
  /** Seconds one point stands for (1 live, 60 for the per-minute history). */
  step = 1;

  constructor(ppsEl: HTMLElement, bpsEl: HTMLElement) {
    const specs: [ChartSpec, number[]][] = [
      [{ el: ppsEl, label: 'packets/s', color: '#2563eb', fill: 'rgba(37,99,235,0.12)', axis: compact }, this.pps],
      [{ el: bpsEl, label: 'bits/s', color: '#0d9488', fill: 'rgba(13,148,136,0.12)', axis: (v) => bits(v / 8) }, this.bps],
    ];
    for (const [spec, ys] of specs) this.charts.push({ plot: this.make(spec, ys), el: spec.el, ys });
    const ro = new ResizeObserver(() => this.resize());
    ro.observe(ppsEl);
    ro.observe(bpsEl);
  }

  private make(spec: ChartSpec, ys: number[]): uPlot {
    const opts: uPlot.Options = {
      width: Math.max(200, spec.el.clientWidth),
      height: 220,
      // Packet times are shown in UTC, like every timestamp wirewatch prints.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: (u, min, max) => this.xRange(u, min, max) }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' } },
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' }, size: 64, values: (_u, vals) => vals.map((v) => spec.axis(v)) },
      ],
      series: [
        { label: 'time (UTC)', value: (_u, v) => (v === null ? '–' : new Date(v * 1000).toISOString().slice(11, 19)) },
        {
          label: spec.label,
          stroke: spec.color,
          fill: spec.fill,
          width: 1.5,
          // Markers only when points are few (a short history), where a line alone could hide them.
          points: { show: (u: uPlot) => (u.data[0]?.length ?? 0) < 30, size: 6 },
          value: (_u, v) => (v === null ? '–' : spec.axis(v)),
        },
      ],
    };
    return new uPlot(opts, [this.xs, ys], spec.el);
  }

  /** A single point (one minute of history) gets a few steps either side instead of uPlot's multi-year default. */
  private xRange(u: uPlot, min: number, max: number): uPlot.Range.MinMax {
    const xs = u.data[0];
    if (xs !== undefined && xs.length === 1) return [xs[0]! - 2 * this.step, xs[0]! + 2 * this.step];
    return [min, max];
  }

  private resize(): void {
    for (const c of this.charts) c.plot.setSize({ width: Math.max(200, c.el.clientWidth), height: 220 });
  }

  /** Appends points newer than the last one shown (messages may overlap after a reconnect). */
  add(points: SeriesPoint[]): void {
    if (points.length === 0) return;
    let added = 0;
    for (const [t, p, b] of points) {
      const last = this.xs.length > 0 ? this.xs[this.xs.length - 1]! : -Infinity;
      if (t <= last) continue;
      this.xs.push(t);
      // Per-minute history points hold a minute's counts: show them as per-second averages.
      this.pps.push(p / this.step);
      this.bps.push((b * 8) / this.step);
      added++;
    }
    if (added === 0) return;
    if (this.xs.length > MAX_POINTS) {
      const cut = this.xs.length - MAX_POINTS;
      this.xs.splice(0, cut);
      this.pps.splice(0, cut);
      this.bps.splice(0, cut);
    }
    for (const c of this.charts) {
      c.plot.setData([this.xs, c.ys]);
      c.el.dataset.points = String(this.xs.length);
    }
  }
}
