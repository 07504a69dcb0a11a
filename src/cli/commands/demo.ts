/**
 * `wirewatch demo` (and `npm start`): analyses the bundled capture
 * data/demo.pcapng (recorded by scripts/record-demo.sh from curl/nginx,
 * dig/dnsmasq, nmap and ping in network namespaces) with every registered
 * feature switched on at its defaults, then prints a summary of what was seen.
 */
import type { Command } from 'commander';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaptureFile } from '../../capture/open.js';
import { App, Encap, TcpFlag, type Layers, type Packet } from '../../decode/packet.js';
import type { EventRecord, Stage } from '../../pipeline.js';
import { formatIsoTime } from '../../util/format.js';
import { dnsRcodeName, printable, srcAddr } from '../../output/describe.js';
import { FEATURES } from '../features/index.js';
import { addOutputOptions, createRunContext, outputSettings, reportError, runPipeline } from '../run.js';

/** Repository root: dist/src/cli/commands/demo.js → four levels up. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const DEMO_CAPTURE = join(ROOT, 'data', 'demo.pcapng');

/** Bound on the per-host and per-name tables of the summary (the demo file is small; other input may not be). */
const MAX_KEYS = 10000;
const TOP = 5;

function bump(m: Map<string, number>, k: string, by = 1): void {
  const v = m.get(k);
  if (v !== undefined) m.set(k, v + by);
  else if (m.size < MAX_KEYS) m.set(k, by);
}

function top(m: Map<string, number>, n = TOP): [string, number][] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

/** Counts what the demo report shows; keeps only strings and numbers (never packet bytes). */
export class DemoSummaryStage implements Stage {
  readonly name = 'demo-summary';
  readonly counts = new Map<string, number>();
  readonly talkers = new Map<string, number>();
  readonly dnsNames = new Map<string, number>();
  readonly rcodes = new Map<string, number>();
  readonly sni = new Map<string, number>();
  readonly http = new Map<string, number>();
  readonly synPorts = new Set<number>();
  packets = 0;
  bytes = 0;
  malformed = 0;
  firstTs = '';
  lastTs = '';

  onPacket(pkt: Packet): void {
    this.packets++;
    this.bytes += pkt.len;
    const ts = formatIsoTime(pkt.tsSec, pkt.tsNsec, pkt.tsDigits);
    if (this.firstTs === '') this.firstTs = ts;
    this.lastTs = ts;
    if (pkt.isMalformed()) this.malformed++;
    this.countLevel(pkt);
    if (pkt.encap !== Encap.None) bump(this.counts, 'tunnelled');
  }

  private countLevel(l: Layers): void {
    if (l.hasEth) bump(this.counts, 'ethernet');
    if (l.vlanCount > 0) bump(this.counts, 'vlan');
    if (l.hasArp) bump(this.counts, 'arp');
    if (l.ipVersion === 4) bump(this.counts, 'ipv4');
    if (l.ipVersion === 6) bump(this.counts, 'ipv6');
    if (l.ipVersion !== 0) bump(this.talkers, srcAddr(l), 1);
    if (l.hasTcp) {
      bump(this.counts, 'tcp');
      if ((l.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
        bump(this.counts, 'tcp-syn');
        if (this.synPorts.size < MAX_KEYS) this.synPorts.add(l.dport);
      }
      if (l.tcpFlags & TcpFlag.RST) bump(this.counts, 'tcp-rst');
    }
    if (l.hasUdp) bump(this.counts, 'udp');
    if (l.hasIcmp) bump(this.counts, l.ipVersion === 6 ? 'icmpv6' : 'icmp');
    if (l.app === App.Dns) {
      const d = l.dns;
      bump(this.counts, d.qr ? 'dns-response' : 'dns-query');
      if (!d.qr && d.questionCount > 0) bump(this.dnsNames, printable(d.questions[0]!.name));
      if (d.qr) bump(this.rcodes, dnsRcodeName(d.rcode));
    } else if (l.app === App.TlsClientHello) {
      bump(this.counts, 'tls-client-hello');
      bump(this.sni, l.tls.sni !== '' ? printable(l.tls.sni) : '(no SNI)');
    } else if (l.app === App.HttpRequest) {
      bump(this.counts, 'http-request');
      bump(this.http, printable(`${l.http.method} ${l.http.host}${l.http.uri}`));
    }
  }

  count(k: string): number {
    return this.counts.get(k) ?? 0;
  }
}

function list(entries: [string, number][]): string {
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k} (${v})`).join(', ');
}

/** The report printed at the end of `wirewatch demo`. */
export function demoReport(file: string, s: DemoSummaryStage, records: Map<string, number>, alerts: Map<string, number>): string {
  const c = (k: string): number => s.count(k);
  const row = (label: string, text: string): string => `  ${label.padEnd(13)}${text}\n`;
  let out = `wirewatch demo: ${file}\n`;
  out += row('packets', `${s.packets} (${s.malformed} malformed), ${s.bytes} bytes, ${s.firstTs} .. ${s.lastTs}`);
  out += row('link/network', `ethernet ${c('ethernet')}, arp ${c('arp')}, ipv4 ${c('ipv4')}, ipv6 ${c('ipv6')}, vlan ${c('vlan')}, tunnelled ${c('tunnelled')}`);
  out += row('transport', `tcp ${c('tcp')} (SYN ${c('tcp-syn')} to ${s.synPorts.size} ports, RST ${c('tcp-rst')}), udp ${c('udp')}, icmp ${c('icmp')}, icmpv6 ${c('icmpv6')}`);
  out += row('dns', `${c('dns-query')} queries, ${c('dns-response')} responses: ${list(top(s.rcodes))}`);
  out += row('dns names', list(top(s.dnsNames)));
  out += row('tls', `${c('tls-client-hello')} ClientHello: ${list(top(s.sni))}`);
  out += row('http', `${c('http-request')} requests: ${list(top(s.http))}`);
  out += row('top sources', list(top(s.talkers)));
  out += row('records', list([...records.entries()]));
  if (alerts.size > 0) out += row('alerts', list(top(alerts, 10)));
  return out;
}

export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description('analyse the bundled capture data/demo.pcapng with every feature and print a summary');
  addOutputOptions(cmd, 'none');
  for (const f of FEATURES) f.addOptions(cmd, 'read');
  cmd.action(async (opts: Record<string, unknown>) => {
    process.exitCode = await demoCommand(opts);
  });
}

export async function demoCommand(opts: Record<string, unknown>): Promise<number> {
  const { format, count, app } = outputSettings(opts);
  let source;
  try {
    source = await openCaptureFile(DEMO_CAPTURE);
  } catch (e) {
    return reportError(e);
  }
  const ctx = createRunContext('read', opts, 1500);
  const records = new Map<string, number>();
  const alerts = new Map<string, number>();
  for (const kind of ['alert', 'flow', 'stats', 'anomaly'] as const) {
    ctx.bus.on(kind, (rec: EventRecord) => {
      records.set(kind, (records.get(kind) ?? 0) + 1);
      const sig = (rec.alert as { signature?: unknown } | undefined)?.signature;
      if (kind === 'alert' && typeof sig === 'string' && (alerts.has(sig) || alerts.size < MAX_KEYS)) {
        alerts.set(sig, (alerts.get(sig) ?? 0) + 1);
      }
    });
  }
  const summary = new DemoSummaryStage();
  const result = await runPipeline(source, ctx, { format, count, app, extraStages: [summary] });
  if (result.exitCode === 0) process.stdout.write(demoReport(relative(process.cwd(), DEMO_CAPTURE) || DEMO_CAPTURE, summary, records, alerts));
  return result.exitCode;
}
