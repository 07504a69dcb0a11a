/**
 * The dashboard page: connects to the server's WebSocket and renders the
 * monitor's numbers, the throughput charts, alerts and flows.
 */
import type { FlowView, MixEntry, MonitorView, ServerMessage, Totals } from '../protocol.js';
import { AlertsTable } from './alerts.js';
import { ThroughputCharts } from './charts.js';
import { byId, fillTable, h } from './dom.js';
import { bits, bytes, clock, compact, endpoint, percent, seconds } from './format.js';

const charts = new ThroughputCharts(byId('chart-pps'), byId('chart-bps'));
const alerts = new AlertsTable();
let ended = false;
let mode: 'live' | 'history' = 'live';

function setText(id: string, text: string): void {
  byId(id).textContent = text;
}

function setConnection(state: 'open' | 'closed' | 'ended', text: string): void {
  byId('conn-dot').className = `dot ${state}`;
  setText('conn-text', text);
}

function renderKpis(m: MonitorView | null, t: Totals): void {
  setText('k-flows', compact(t.flows));
  setText('k-alerts', compact(t.alerts));
  byId('k-alerts').parentElement!.classList.toggle('hot', t.alerts > 0);
  if (m === null) return;
  setText('k-packets', compact(m.packets));
  setText('k-malformed', `${compact(m.malformed)} malformed`);
  setText('k-bytes', bytes(m.bytes));
  setText('k-time', m.time > 0 ? `at ${new Date(m.time * 1000).toISOString().slice(11, 19)} UTC` : '');
  const live = mode === 'live';
  setText('k-pps', live ? compact(Math.round(m.pps1s)) : '–');
  setText('k-pps-avg', live ? `1 min avg ${compact(Math.round(m.pps1m))} · 5 min ${compact(Math.round(m.pps5m))}` : 'not kept in history');
  setText('k-bps', live ? bits(m.bps1s) : '–');
  setText('k-bps-avg', live ? `1 min avg ${bits(m.bps1m)} · 5 min ${bits(m.bps5m)}` : '');
  setText('k-drops', compact(m.dropped));
  setText('k-drops-if', `kernel · ${compact(m.ifDropped)} by interface`);
}

function mixBlock(title: string, mix: Record<string, MixEntry>): HTMLElement {
  const entries = Object.entries(mix).filter(([, e]) => e.pkts > 0 || e.bytes > 0);
  const total = entries.reduce((s, [, e]) => s + e.bytes, 0);
  entries.sort((a, b) => b[1].bytes - a[1].bytes);
  return h(
    'div',
    { class: 'mix-block' },
    h('div', { class: 'mix-title' }, title),
    ...entries.slice(0, 6).map(([name, e]) =>
      h(
        'div',
        { class: 'mix-row', title: `${e.pkts.toLocaleString('en-US')} packets, ${bytes(e.bytes)}` },
        h('span', { class: 'mix-name' }, name),
        h('span', { class: 'bar' }, h('span', { class: 'fill', style: `width:${total > 0 ? ((e.bytes / total) * 100).toFixed(1) : 0}%` })),
        h('span', { class: 'mix-pct' }, percent(e.bytes, total)),
      ),
    ),
  );
}

function renderMix(m: MonitorView): void {
  byId('mix').replaceChildren(mixBlock('Network', m.l3), mixBlock('Transport', m.l4), mixBlock('Application', m.app));
}

function renderTcp(m: MonitorView): void {
  const el = byId('tcp');
  const counters: [string, number][] = [
    ['ICMP unreachable', m.icmpUnreachable],
    ['Malformed packets', m.malformed],
  ];
  if (m.tcp === null) {
    el.replaceChildren(h('p', { class: 'empty' }, 'TCP analysis is not kept in the history database.'));
    return;
  }
  const t = m.tcp;
  const rtt = h(
    'table',
    { class: 'data compact', id: 'rtt' },
    h('thead', null, h('tr', null, h('th', null, 'RTT'), h('th', { class: 'num' }, 'p50'), h('th', { class: 'num' }, 'p90'), h('th', { class: 'num' }, 'p99'), h('th', { class: 'num' }, 'samples'))),
    h(
      'tbody',
      null,
      ...([['Handshake', t.handshakeRtt], ['Data → ACK', t.dataRtt]] as const).map(([name, r]) =>
        h('tr', null, h('td', null, name), h('td', { class: 'num' }, seconds(r.p50)), h('td', { class: 'num' }, seconds(r.p90)), h('td', { class: 'num' }, seconds(r.p99)), h('td', { class: 'num' }, compact(r.count))),
      ),
    ),
  );
  const all: [string, number][] = [
    ['Connections', t.connections],
    ['Handshakes', t.handshakes],
    ['Retransmissions', t.retransmissions],
    ['Out of order', t.outOfOrder],
    ['Zero windows', t.zeroWindows],
    ['Resets', t.resets],
    ...counters,
  ];
  el.replaceChildren(rtt, h('div', { class: 'counters' }, ...all.map(([k, v]) => h('div', { class: 'counter' }, h('span', null, k), h('b', null, compact(v))))));
}

function renderTop(m: MonitorView): void {
  const totalBytes = m.bytes;
  fillTable(
    byId<HTMLTableElement>('talkers'),
    ['Address', 'Bytes', 'Share', 'Packets'],
    m.topTalkersBytes.map((t) => [h('span', { class: 'mono' }, t.addr), bytes(t.bytes), percent(t.bytes, totalBytes), compact(t.pkts)]),
    [false, true, true, true],
  );
  setText('talkers-note', m.topErrorBound > 0 ? `by bytes sent + received · counts may be high by up to ${bytes(m.topErrorBound)}` : 'by bytes sent + received');
  fillTable(
    byId<HTMLTableElement>('ports'),
    ['Port', 'Packets', 'Bytes'],
    m.topPorts.map((p) => [h('span', { class: 'mono' }, p.port), compact(p.pkts), bytes(p.bytes)]),
    [false, true, true],
  );
}

function renderFlows(id: string, flows: FlowView[]): void {
  fillTable(
    byId<HTMLTableElement>(id),
    ['End', 'Client', 'Server', 'Proto', 'Pkts', 'Bytes', 'Duration'],
    flows.map((f) => [
      h('span', { class: 'mono' }, clock(f.timestamp).slice(0, 8)),
      h('span', { class: 'mono' }, endpoint(f.src_ip, f.src_port)),
      h('span', { class: 'mono' }, endpoint(f.dest_ip, f.dest_port)),
      `${f.proto ?? ''}${f.app_proto !== null && f.app_proto !== 'unknown' && f.app_proto !== 'failed' ? `/${f.app_proto}` : ''}`,
      compact(f.pkts),
      bytes(f.bytes),
      seconds(f.duration),
    ]),
    [false, false, false, false, true, true, true],
  );
}

function onMessage(msg: ServerMessage): void {
  switch (msg.type) {
    case 'hello':
      mode = msg.mode;
      charts.step = msg.seriesStep;
      setText('mode', msg.mode === 'live' ? 'live' : 'history');
      byId('mode').className = `badge ${msg.mode}`;
      setText('source', msg.source);
      document.title = `wirewatch · ${msg.source}`;
      break;
    case 'tick':
      charts.add(msg.points);
      renderKpis(msg.monitor, msg.totals);
      if (msg.monitor !== null) {
        renderMix(msg.monitor);
        renderTcp(msg.monitor);
        renderTop(msg.monitor);
      }
      if (msg.flows !== null) {
        renderFlows('flows-largest', msg.flows.largest);
        renderFlows('flows-newest', msg.flows.newest);
      }
      break;
    case 'alerts':
      alerts.add(msg.alerts);
      break;
    case 'end':
      ended = true;
      setText('mode', 'ended');
      byId('mode').className = 'badge ended';
      setConnection('ended', 'run ended');
      break;
  }
}

function connect(): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws.addEventListener('open', () => setConnection('open', 'connected'));
  ws.addEventListener('message', (e) => {
    if (typeof e.data === 'string') onMessage(JSON.parse(e.data) as ServerMessage);
  });
  ws.addEventListener('close', () => {
    if (ended) return;
    setConnection('closed', 'disconnected — retrying');
    setTimeout(connect, 2000);
  });
}

// The token came in the URL once and now lives in an HttpOnly cookie: keep it out of the address bar and history.
if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', location.pathname);
connect();
