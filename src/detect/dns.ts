/**
 * Suspicious DNS. The prototype rule set checks each query name with the
 * three original heuristics; the default set scores names with the trigram
 * model (DGA), looks for tunnels (encoded query names, many unique subdomains
 * or TXT/NULL records per registered domain) and NXDOMAIN bursts per client.
 * Names are strings already (the decoder made them), so the per-domain tables
 * use string keys; every table is bounded.
 */
import { App, type Layers, type Packet } from '../decode/packet.js';
import { dstKey } from '../util/addr-key.js';
import { BoundedMap } from './bounded-map.js';
import type { DetectConfig } from './config.js';
import { type DetectContext, type Detector, reverseTuple, srcAddrText, tupleOf } from './detector.js';
import { type DnsModel, nameParts } from './dns-model.js';
import { prototypeDnsReason, tunnelShape } from './dns-rules.js';
import { SIG } from './signatures.js';

type DnsConfig = DetectConfig['dns'];

const T_NULL = 10;
const T_TXT = 16;
const RCODE_NXDOMAIN = 3;

/** The source address as the alert tuple names it (tupleOf's srcIp). */
function srcText(l: Layers): string {
  return l.ipVersion !== 0 ? srcAddrText(l) : '';
}

function dnsLayer(pkt: Packet): Layers | null {
  const l = pkt.innermost();
  return l.app === App.Dns ? l : null;
}

export class PrototypeDnsDetector implements Detector {
  readonly name = 'dns';
  private alerts = 0;
  constructor(private readonly cfg: DnsConfig) {}

  onPacket(pkt: Packet, ctx: DetectContext): void {
    const l = dnsLayer(pkt);
    if (l === null || l.dns.qr) return;
    const d = l.dns;
    for (let i = 0; i < d.questionCount; i++) {
      const name = d.questions[i]!.name;
      const reason = prototypeDnsReason(name, this.cfg.prototype);
      if (reason === null) continue;
      this.alerts++;
      ctx.alert({ tsSec: pkt.tsSec, tsNsec: pkt.tsNsec, tuple: tupleOf(pkt, l), sig: SIG.protoSuspiciousDns, detector: this.name, evidence: { query: name, reason } });
    }
  }

  stats(): Record<string, number> {
    return { alerts: this.alerts };
  }
}

interface DomainWindow {
  start: number;
  subdomains: Set<string>;
  txtNull: number;
  subsFired: boolean;
  txtFired: boolean;
}

interface ClientWindow {
  start: number;
  nx: number;
  names: string[];
}

export class DnsDetector implements Detector {
  readonly name = 'dns';
  private readonly domains: BoundedMap<string, DomainWindow>;
  private readonly clients: BoundedMap<number, ClientWindow>;
  private alerts = 0;
  private scored = 0;

  constructor(
    private readonly cfg: DnsConfig,
    private readonly model: DnsModel | null,
  ) {
    this.domains = new BoundedMap(cfg.tunnel.maxDomains);
    this.clients = new BoundedMap(cfg.nxdomain.maxClients);
  }

  onPacket(pkt: Packet, ctx: DetectContext): void {
    const l = dnsLayer(pkt);
    if (l === null || l.dns.flavour !== 'dns') return;
    if (l.dns.qr) this.onResponse(pkt, l, ctx);
    else this.onQuery(pkt, l, ctx);
  }

  private onQuery(pkt: Packet, l: Layers, ctx: DetectContext): void {
    const d = l.dns;
    for (let i = 0; i < d.questionCount; i++) {
      const q = d.questions[i]!;
      const name = q.name.endsWith('.') ? q.name.slice(0, -1) : q.name;
      if (name.length === 0 || name.endsWith('.arpa')) continue;
      const parts = nameParts(name);
      if (this.model !== null && this.cfg.dga.enabled) this.scoreName(pkt, l, name, parts.label, ctx);
      const shape = tunnelShape(name, this.cfg.tunnel, parts);
      if (shape !== null && !this.suppressedNow(ctx, `${srcText(l)}|${shape.registered}`, SIG.dnsTunnelQuery, pkt.tsSec)) {
        this.fire(pkt, ctx, tupleOf(pkt, l), SIG.dnsTunnelQuery, {
          query: name,
          qtype: q.type,
          registered_domain: shape.registered,
          reason: shape.reason,
          longest_label: shape.longestLabel,
          subdomain_entropy: shape.entropy,
        }, `${tupleOf(pkt, l).srcIp}|${shape.registered}`);
      }
      this.countSubdomain(pkt, l, name, parts.registered, ctx);
    }
  }

  /** `label`: scoredLabel(name). */
  private scoreName(pkt: Packet, l: Layers, name: string, label: string | null, ctx: DetectContext): void {
    const model = this.model!;
    if (label === null || label.length < this.cfg.dga.minLabelLength || label.startsWith('xn--')) return;
    this.scored++;
    const score = model.scoreLabel(label);
    const threshold = this.cfg.dga.threshold ?? model.thresholdFor(label.length);
    if (score < threshold || this.suppressedNow(ctx, srcText(l), SIG.dgaName, pkt.tsSec)) return;
    this.fire(pkt, ctx, tupleOf(pkt, l), SIG.dgaName, {
      query: name,
      label,
      score: Math.round(score * 1000) / 1000,
      threshold,
      unit: 'bits/char (trigram surprisal)',
    });
  }

  private window(domain: string, now: number): DomainWindow {
    let w = this.domains.get(domain);
    if (w === undefined || now - w.start >= this.cfg.tunnel.windowSec) {
      w = { start: now, subdomains: new Set(), txtNull: 0, subsFired: false, txtFired: false };
      this.domains.set(domain, w);
    }
    return w;
  }

  /** `domain`: registeredDomain(name). */
  private countSubdomain(pkt: Packet, l: Layers, name: string, domain: string, ctx: DetectContext): void {
    if (name.length <= domain.length) return;
    const w = this.window(domain, pkt.tsSec);
    const limit = this.cfg.tunnel.uniqueSubdomains;
    // The set never holds more than the threshold: reaching it is all we need to know.
    if (w.subdomains.size < limit) w.subdomains.add(name.toLowerCase());
    if (!w.subsFired && w.subdomains.size >= limit) {
      w.subsFired = true;
      this.fire(pkt, ctx, tupleOf(pkt, l), SIG.dnsTunnelSubdomains, {
        registered_domain: domain,
        unique_subdomains: w.subdomains.size,
        threshold: limit,
        window_sec: this.cfg.tunnel.windowSec,
        last_query: name,
      }, `${domain}`);
    }
  }

  private onResponse(pkt: Packet, l: Layers, ctx: DetectContext): void {
    const d = l.dns;
    const q0 = d.questionCount > 0 ? d.questions[0]!.name : '';
    const qname = q0.endsWith('.') ? q0.slice(0, -1) : q0;
    let txtNull = d.questionCount > 0 && (d.questions[0]!.type === T_TXT || d.questions[0]!.type === T_NULL);
    for (let i = 0; i < d.answerCount && !txtNull; i++) {
      const t = d.answers[i]!.type;
      if (t === T_TXT || t === T_NULL) txtNull = true;
    }
    if (txtNull && qname !== '') {
      const domain = nameParts(qname).registered;
      const w = this.window(domain, pkt.tsSec);
      w.txtNull++;
      const limit = this.cfg.tunnel.txtNullRecords;
      if (!w.txtFired && w.txtNull >= limit) {
        w.txtFired = true;
        this.fire(pkt, ctx, reverseTuple(tupleOf(pkt, l)), SIG.dnsTunnelTxtNull, {
          registered_domain: domain,
          txt_null_answers: w.txtNull,
          threshold: limit,
          window_sec: this.cfg.tunnel.windowSec,
          last_query: qname,
        }, domain);
      }
    }
    if (d.rcode === RCODE_NXDOMAIN) this.countNxdomain(pkt, l, qname, ctx);
  }

  private countNxdomain(pkt: Packet, l: Layers, qname: string, ctx: DetectContext): void {
    const key = dstKey(l);
    let c = this.clients.get(key);
    if (c === undefined || pkt.tsSec - c.start >= this.cfg.nxdomain.windowSec) {
      c = { start: pkt.tsSec, nx: 0, names: [] };
      this.clients.set(key, c);
    }
    c.nx++;
    if (c.names.length < 5) c.names.push(qname);
    if (c.nx === this.cfg.nxdomain.threshold) {
      this.fire(pkt, ctx, reverseTuple(tupleOf(pkt, l)), SIG.nxdomainBurst, {
        nxdomain_answers: c.nx,
        threshold: this.cfg.nxdomain.threshold,
        window_sec: this.cfg.nxdomain.windowSec,
        sample_queries: c.names,
      });
    }
  }

  /**
   * Query alerts repeat for every query of a host, and suppression drops
   * nearly all of them: when this one would be dropped (`track`: the key its
   * alert is tracked by), it is counted as raised and suppressed, and not
   * built (tuple, Community ID, evidence).
   */
  private suppressedNow(ctx: DetectContext, track: string, sig: (typeof SIG)[keyof typeof SIG], tsSec: number): boolean {
    if (!ctx.suppressed(ctx.suppressionKey(track, sig.id), tsSec)) return false;
    this.alerts++;
    return true;
  }

  private fire(
    pkt: Packet,
    ctx: DetectContext,
    tuple: ReturnType<typeof tupleOf>,
    sig: (typeof SIG)[keyof typeof SIG],
    evidence: Record<string, unknown>,
    trackBy?: string,
  ): void {
    this.alerts++;
    ctx.alert({ tsSec: pkt.tsSec, tsNsec: pkt.tsNsec, tuple, sig, detector: this.name, evidence, ...(trackBy !== undefined ? { trackBy } : {}) });
  }

  stats(): Record<string, number> {
    return {
      alerts: this.alerts,
      scored: this.scored,
      domains: this.domains.size,
      domainsEvicted: this.domains.evicted,
      clients: this.clients.size,
      clientsEvicted: this.clients.evicted,
    };
  }
}
