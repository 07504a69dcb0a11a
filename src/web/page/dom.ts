/** A tiny DOM builder: every value goes in as text, never as HTML. */

type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs !== null) for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`page element #${id} missing`);
  return el as T;
}

/** Replaces a table's content with a header row and body rows. */
export function fillTable(table: HTMLTableElement, head: string[], rows: Child[][], numeric: boolean[] = []): void {
  const thead = h('thead', null, h('tr', null, ...head.map((t, i) => h('th', numeric[i] === true ? { class: 'num' } : null, t))));
  const tbody = h('tbody', null, ...rows.map((r) => h('tr', null, ...r.map((c, i) => h('td', numeric[i] === true ? { class: 'num' } : null, c)))));
  table.replaceChildren(thead, tbody);
  if (rows.length === 0) table.append(h('tbody', null, h('tr', null, h('td', { class: 'empty', colspan: String(head.length) }, 'nothing yet'))));
}
