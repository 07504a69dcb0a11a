/** The alerts table: newest first, filterable, each row expandable to its evidence. */
import type { AlertView } from '../protocol.js';
import { byId, h } from './dom.js';
import { clock, endpoint } from './format.js';

/** Alerts kept in the page (the server keeps its own bounded list for late pages). */
const MAX_ALERTS = 5000;
/** Rows drawn at once; the filters narrow down the rest. */
const MAX_ROWS = 500;

const SEVERITY_NAME: Record<number, string> = { 1: 'high', 2: 'medium', 3: 'low' };

function evidenceValue(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export class AlertsTable {
  private readonly alerts: AlertView[] = [];
  private readonly seen = new Set<number>();
  private readonly open = new Set<number>();
  private readonly signatures = new Set<string>();
  private readonly body: HTMLTableSectionElement;
  private readonly sigSelect = byId<HTMLSelectElement>('f-signature');
  private readonly sevSelect = byId<HTMLSelectElement>('f-severity');
  private readonly sourceInput = byId<HTMLInputElement>('f-source');
  private readonly count = byId('alerts-count');
  private readonly empty = byId('alerts-empty');

  constructor() {
    this.body = byId<HTMLTableElement>('alerts').tBodies[0]!;
    for (const el of [this.sigSelect, this.sevSelect]) el.addEventListener('change', () => this.render());
    this.sourceInput.addEventListener('input', () => this.render());
  }

  add(list: AlertView[]): void {
    for (const a of list) {
      if (this.seen.has(a.id)) continue;
      this.seen.add(a.id);
      this.alerts.unshift(a);
      if (!this.signatures.has(a.signature)) {
        this.signatures.add(a.signature);
        const opts = [...this.signatures].sort();
        const current = this.sigSelect.value;
        this.sigSelect.replaceChildren(h('option', { value: '' }, 'all'), ...opts.map((s) => h('option', { value: s }, s)));
        this.sigSelect.value = current;
      }
    }
    if (this.alerts.length > MAX_ALERTS) {
      for (const a of this.alerts.splice(MAX_ALERTS)) this.seen.delete(a.id);
    }
    this.render();
  }

  private matches(a: AlertView, sig: string, sev: string, text: string): boolean {
    if (sig !== '' && a.signature !== sig) return false;
    if (sev !== '' && String(a.severity) !== sev) return false;
    if (text !== '') {
      const hay = `${a.src_ip ?? ''} ${a.src_port ?? ''} ${a.dest_ip ?? ''} ${a.dest_port ?? ''} ${a.signature} ${a.detector ?? ''}`.toLowerCase();
      if (!hay.includes(text)) return false;
    }
    return true;
  }

  private render(): void {
    const sig = this.sigSelect.value;
    const sev = this.sevSelect.value;
    const text = this.sourceInput.value.trim().toLowerCase();
    const rows: HTMLTableRowElement[] = [];
    let shown = 0;
    let matching = 0;
    for (const a of this.alerts) {
      if (!this.matches(a, sig, sev, text)) continue;
      matching++;
      if (shown >= MAX_ROWS) continue;
      shown++;
      rows.push(...this.rowsFor(a));
    }
    this.body.replaceChildren(...rows);
    const filtered = sig !== '' || sev !== '' || text !== '';
    this.count.textContent = filtered ? `${matching} of ${this.alerts.length} shown` : `${this.alerts.length}`;
    this.empty.hidden = matching > 0;
    this.empty.textContent = this.alerts.length === 0 ? 'No alerts yet.' : 'No alert matches the filters.';
  }

  private rowsFor(a: AlertView): HTMLTableRowElement[] {
    const isOpen = this.open.has(a.id);
    const row = h(
      'tr',
      { class: `alert-row sev-${a.severity}${isOpen ? ' open' : ''}`, 'data-signature': a.signature, 'data-id': String(a.id), tabindex: '0', 'aria-expanded': String(isOpen) },
      h('td', { class: 'toggle' }, isOpen ? '▾' : '▸'),
      h('td', { class: 'mono' }, clock(a.timestamp)),
      h('td', null, h('span', { class: `sev sev-${a.severity}` }, `${a.severity} ${SEVERITY_NAME[a.severity] ?? ''}`)),
      h('td', null, h('div', { class: 'sig' }, a.signature), h('div', { class: 'cat' }, a.category)),
      h('td', { class: 'mono' }, endpoint(a.src_ip, a.src_port)),
      h('td', { class: 'mono' }, endpoint(a.dest_ip, a.dest_port)),
      h('td', null, a.proto ?? ''),
      h('td', null, a.detector ?? ''),
    );
    const toggle = (): void => {
      if (this.open.has(a.id)) this.open.delete(a.id);
      else this.open.add(a.id);
      this.render();
    };
    row.addEventListener('click', toggle);
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        toggle();
      }
    });
    if (!isOpen) return [row];
    const facts: [string, string][] = [
      ['signature id', String(a.signature_id)],
      ['timestamp', a.timestamp],
      ...(a.flow_id !== null ? [['flow id', String(a.flow_id)] as [string, string]] : []),
      ...(a.suppressed > 0 ? [['suppressed since previous', String(a.suppressed)] as [string, string]] : []),
    ];
    const ev = Object.entries(a.evidence);
    const detail = h(
      'tr',
      { class: 'evidence' },
      h(
        'td',
        { colspan: '8' },
        h(
          'div',
          { class: 'evidence-box' },
          h('div', { class: 'ev-title' }, 'Evidence'),
          h('dl', null, ...ev.flatMap(([k, v]) => [h('dt', null, k), h('dd', { class: 'mono' }, evidenceValue(v))])),
          h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', null, k), h('dd', { class: 'mono' }, v)])),
        ),
      ),
    );
    return [row, detail];
  }
}
