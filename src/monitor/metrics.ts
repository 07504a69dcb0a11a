/**
 * Prometheus metrics (prom-client) read from the monitoring stage at scrape
 * time, so the packet path pays nothing for them. Labels come from bounded
 * sets only: protocol names of the fixed mix tables, alert signatures (a
 * finite set of detector rules) and severities; never addresses or ports.
 */
import { Registry, Counter, Gauge, Histogram } from 'prom-client';
import type { MonitorStage } from './monitor-stage.js';
import type { EventBus } from '../events.js';

const RTT_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Beyond this many distinct alert signatures, further ones are counted as "other" (keeps labels bounded). */
const MAX_SIGNATURE_LABELS = 200;

export class Metrics {
  readonly registry = new Registry();
  private readonly signatures = new Set<string>();

  constructor(
    private readonly monitor: MonitorStage,
    bus: EventBus,
  ) {
    const r = this.registry;
    const m = monitor;
    new Counter({ name: 'wirewatch_packets_total', help: 'Packets seen by the pipeline', registers: [r], collect() { this.reset(); this.inc(m.packets); } });
    new Counter({ name: 'wirewatch_bytes_total', help: 'Bytes (wire length) seen by the pipeline', registers: [r], collect() { this.reset(); this.inc(m.bytes); } });
    new Counter({ name: 'wirewatch_malformed_packets_total', help: 'Packets whose decoding stopped early', registers: [r], collect() { this.reset(); this.inc(m.malformed); } });
    new Gauge({
      name: 'wirewatch_capture_dropped_packets',
      help: 'Packets dropped by the kernel (where="kernel") or the interface (where="interface"), from pcap_stats',
      labelNames: ['where'],
      registers: [r],
      collect() {
        const s = m.snapshot(0);
        this.set({ where: 'kernel' }, s.dropped);
        this.set({ where: 'interface' }, s.ifDropped);
      },
    });
    new Gauge({
      name: 'wirewatch_rate_packets_per_second',
      help: 'Packet rate averaged over a window (1s, 1m, 5m) of packet time',
      labelNames: ['window'],
      registers: [r],
      collect() {
        const s = m.snapshot(0);
        this.set({ window: '1s' }, s.pps1s);
        this.set({ window: '1m' }, s.pps1m);
        this.set({ window: '5m' }, s.pps5m);
      },
    });
    new Gauge({
      name: 'wirewatch_rate_bytes_per_second',
      help: 'Byte rate averaged over a window (1s, 1m, 5m) of packet time',
      labelNames: ['window'],
      registers: [r],
      collect() {
        const s = m.snapshot(0);
        this.set({ window: '1s' }, s.bps1s);
        this.set({ window: '1m' }, s.bps1m);
        this.set({ window: '5m' }, s.bps5m);
      },
    });
    new Counter({
      name: 'wirewatch_protocol_packets_total',
      help: 'Packets per protocol at each layer (l3, l4, app)',
      labelNames: ['layer', 'protocol'],
      registers: [r],
      collect() {
        this.reset();
        for (const [layer, c] of [['l3', m.l3], ['l4', m.l4], ['app', m.appMix]] as const) {
          for (const [proto, n] of c.pkts) this.inc({ layer, protocol: proto }, n);
        }
      },
    });
    new Counter({
      name: 'wirewatch_tcp_events_total',
      help: 'TCP analysis events: retransmission, out_of_order, zero_window, reset, handshake',
      labelNames: ['event'],
      registers: [r],
      collect() {
        this.reset();
        const t = m.tcp.totals;
        this.inc({ event: 'retransmission' }, t.retransmissions);
        this.inc({ event: 'out_of_order' }, t.outOfOrder);
        this.inc({ event: 'zero_window' }, t.zeroWindows);
        this.inc({ event: 'reset' }, t.resets);
        this.inc({ event: 'handshake' }, t.handshakes);
      },
    });
    new Counter({ name: 'wirewatch_icmp_unreachable_total', help: 'ICMP/ICMPv6 destination unreachable messages', registers: [r], collect() { this.reset(); this.inc(m.icmpUnreachable); } });
    const hs = new Histogram({ name: 'wirewatch_tcp_handshake_rtt_seconds', help: 'TCP handshake RTT (SYN to the ACK completing the handshake)', buckets: RTT_BUCKETS, registers: [r] });
    const dr = new Histogram({ name: 'wirewatch_tcp_data_rtt_seconds', help: 'TCP data-to-ACK RTT samples (Karn: no sample from retransmitted segments)', buckets: RTT_BUCKETS, registers: [r] });
    m.tcp.onRtt = (kind, v) => (kind === 'handshake' ? hs : dr).observe(v);
    const flows = new Counter({ name: 'wirewatch_flows_total', help: 'Flows ended and exported', registers: [r] });
    const alerts = new Counter({ name: 'wirewatch_alerts_total', help: 'Alerts raised, by signature and severity', labelNames: ['signature', 'severity'], registers: [r] });
    bus.onCount('flow', () => flows.inc());
    bus.on('alert', (rec) => {
      const a = (rec as { alert?: { signature?: unknown; severity?: unknown } }).alert;
      let sig = typeof a?.signature === 'string' ? a.signature : 'unknown';
      if (!this.signatures.has(sig)) {
        if (this.signatures.size >= MAX_SIGNATURE_LABELS) sig = 'other';
        else this.signatures.add(sig);
      }
      alerts.inc({ signature: sig, severity: String(a?.severity ?? '') });
    });
  }

  /** The text exposition format. */
  async text(): Promise<string> {
    // Queued TCP segments reach the RTT histograms (through onRtt) when analysed: analyse them before reading.
    this.monitor.tcp.flush();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
