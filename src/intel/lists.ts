/**
 * Offline block lists: plain IP/CIDR lists (one per line, `#` or `;`
 * comments), FireHOL netsets (the same with `#` headers) and Spamhaus DROP
 * (text "CIDR ; SBLnnn" or the JSON-lines edition {"cidr": ...}). All lists
 * are merged into one CIDR trie, loaded at start and rebuilt when a file
 * changes (the parent directory is watched, so editors' atomic renames and
 * `mv new old` updates are seen; changes are debounced).
 */
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { CidrTrie } from './cidr.js';
import { parseCidr } from './ip.js';

export type ListFormat = 'auto' | 'plain' | 'netset' | 'drop';

export interface ListSpec {
  path: string;
  format: ListFormat;
  name?: string | undefined;
}

export interface ListEntry {
  /** List name (spec name or file base name). */
  list: string;
  cidr: string;
  /** Spamhaus SBL id or trailing comment, when the line had one. */
  note: string;
}

export interface ParsedList {
  entries: Array<{ cidr: ReturnType<typeof parseCidr> & object; note: string }>;
  /** Lines that were neither comments nor addresses: "line 12: 'foo'". */
  bad: string[];
}

/** Parses list text in any supported format (the formats differ only in comments and JSON lines). */
export function parseListText(text: string, format: ListFormat = 'auto'): ParsedList {
  const entries: ParsedList['entries'] = [];
  const bad: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!.trim();
    if (line === '') continue;
    let note = '';
    if (line.startsWith('{') && (format === 'auto' || format === 'drop')) {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        bad.push(`line ${n + 1}: invalid JSON`);
        continue;
      }
      const o = obj as { cidr?: unknown; sblid?: unknown; type?: unknown };
      if (typeof o.cidr !== 'string') {
        if (o.type !== 'metadata') bad.push(`line ${n + 1}: JSON line without "cidr"`);
        continue;
      }
      line = o.cidr;
      note = typeof o.sblid === 'string' ? o.sblid : '';
    } else {
      const hash = line.indexOf('#');
      const semi = format === 'netset' ? -1 : line.indexOf(';');
      const cut = hash < 0 ? semi : semi < 0 ? hash : Math.min(hash, semi);
      if (cut >= 0) {
        note = line.slice(cut + 1).trim();
        line = line.slice(0, cut).trim();
      }
      if (line === '') continue;
      // Some lists put extra columns after the address ("1.2.3.4 3 2024-01-01").
      const sp = line.search(/\s/);
      if (sp > 0) line = line.slice(0, sp);
    }
    const c = parseCidr(line);
    if (c === null) {
      bad.push(`line ${n + 1}: '${line.slice(0, 60)}' is not an IP address or CIDR`);
      continue;
    }
    entries.push({ cidr: c, note });
  }
  return { entries, bad };
}

export interface ListStats {
  list: string;
  path: string;
  entries: number;
  bad: number;
  loadedAt: number;
}

/** The merged matcher over all configured lists, reloaded on change. */
export class BlockLists {
  private trie = new CidrTrie<ListEntry>();
  private readonly watchers: FSWatcher[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly parsed = new Map<string, { spec: ListSpec; list: ParsedList; name: string }>();
  reloads = 0;

  constructor(
    private readonly specs: readonly ListSpec[],
    private readonly log: (msg: string) => void,
    private readonly debounceMs = 500,
  ) {
    for (const s of specs) this.load(s, true);
    this.rebuild();
  }

  get empty(): boolean {
    return this.specs.length === 0;
  }

  /** Reads one list. At start a missing/unreadable file is an error; on reload the old contents stay. */
  private load(spec: ListSpec, initial: boolean): boolean {
    const path = resolve(spec.path);
    const name = spec.name ?? basename(path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const msg = `block list ${path}: cannot read: ${(e as Error).message}`;
      if (initial) throw new Error(msg);
      this.log(`${msg} (keeping the previous contents)`);
      return false;
    }
    const list = parseListText(text, spec.format);
    if (list.bad.length > 0) {
      this.log(`block list ${path}: ${list.bad.length} line(s) ignored, e.g. ${list.bad.slice(0, 3).join('; ')}`);
    }
    this.parsed.set(path, { spec, list, name });
    return true;
  }

  private rebuild(): void {
    const t = new CidrTrie<ListEntry>();
    for (const { list, name } of this.parsed.values()) {
      for (const e of list.entries) t.add(e.cidr, { list: name, cidr: e.cidr.text, note: e.note });
    }
    this.trie = t;
  }

  /** Starts watching the lists' directories; changes reload after `debounceMs` of quiet. */
  watch(): void {
    const byDir = new Map<string, Set<string>>();
    for (const s of this.specs) {
      const p = resolve(s.path);
      const d = dirname(p);
      if (!byDir.has(d)) byDir.set(d, new Set());
      byDir.get(d)!.add(basename(p));
    }
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_ev, file) => {
          const f = file === null ? null : String(file);
          if (f !== null && names.has(f)) this.schedule(resolve(dir, f));
        });
        w.on('error', (e) => this.log(`block lists: watching ${dir} failed: ${e.message}`));
        this.watchers.push(w);
      } catch (e) {
        this.log(`block lists: cannot watch ${dir}: ${(e as Error).message}`);
      }
    }
  }

  private schedule(path: string): void {
    const old = this.timers.get(path);
    if (old !== undefined) clearTimeout(old);
    const t = setTimeout(() => {
      this.timers.delete(path);
      const entry = this.parsed.get(path);
      if (entry === undefined) return;
      if (this.load(entry.spec, false)) {
        this.rebuild();
        this.reloads++;
        this.log(`block list ${path} reloaded: ${this.parsed.get(path)!.list.entries.length} entries`);
      }
    }, this.debounceMs);
    t.unref();
    this.timers.set(path, t);
  }

  lookupV4(v: number): ListEntry | undefined {
    return this.trie.lookupV4(v);
  }

  lookupWords(w: ArrayLike<number>): ListEntry | undefined {
    return this.trie.lookupWords(w);
  }

  stats(): ListStats[] {
    return [...this.parsed.entries()].map(([path, p]) => ({
      list: p.name,
      path,
      entries: p.list.entries.length,
      bad: p.list.bad.length,
      loadedAt: Date.now(),
    }));
  }

  close(): void {
    for (const w of this.watchers) w.close();
    for (const t of this.timers.values()) clearTimeout(t);
    this.watchers.length = 0;
    this.timers.clear();
  }
}
