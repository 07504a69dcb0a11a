/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4):
 * every line must be a HELP or TYPE comment, another comment, blank, or a
 * sample `name{label="value",...} value [timestamp]`. Checks what a scraper
 * relies on: names and label names match the grammar, label values are
 * properly escaped, values are floats (or NaN/±Inf), TYPE comes before the
 * family's samples and only once, and histograms are cumulative with a +Inf
 * bucket equal to _count.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string | null;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s: string, where: string): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`${where}: bad value ${JSON.stringify(s)}`);
  return Number(s);
}

/** Parses `{a="x",b="y"}` starting at s[i] === '{'; returns the labels and the index after '}'. */
function parseLabels(s: string, i: number, where: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    if (s[i] === '}') return [labels, i + 1];
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without '='`);
    const name = s.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`${where}: duplicate label ${name}`);
    if (s[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
    let j = eq + 2;
    let v = '';
    for (;;) {
      const c = s[j];
      if (c === undefined) throw new Error(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const n = s[j + 1];
        if (n === '\\') v += '\\';
        else if (n === '"') v += '"';
        else if (n === 'n') v += '\n';
        else throw new Error(`${where}: bad escape \\${n ?? ''}`);
        j += 2;
        continue;
      }
      v += c;
      j++;
    }
    labels[name] = v;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') throw new Error(`${where}: expected ',' or '}' after a label`);
  }
}

/** The family a sample belongs to (histogram/summary samples carry suffixes). */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(name);
  if (direct !== undefined) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const f = families.get(name.slice(0, -suffix.length));
      if (f !== undefined && (f.type === 'histogram' || f.type === 'summary')) return f;
    }
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seenSamples = new Set<string>();
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, idx) => {
    const where = `line ${idx + 1}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (m === null) return; // plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string | undefined];
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
      let f = families.get(name);
      if (kind === 'TYPE') {
        if (rest === undefined || !TYPES.has(rest)) throw new Error(`${where}: bad type ${rest ?? ''}`);
        if (f !== undefined && f.samples.length > 0) throw new Error(`${where}: TYPE after samples of ${name}`);
        if (f !== undefined && f.type !== 'untyped') throw new Error(`${where}: second TYPE for ${name}`);
        if (f === undefined) families.set(name, (f = { name, type: rest, help: null, samples: [] }));
        else f.type = rest;
      } else {
        if (f === undefined) families.set(name, (f = { name, type: 'untyped', help: null, samples: [] }));
        if (f.help !== null) throw new Error(`${where}: second HELP for ${name}`);
        if (!/^(?:[^\\]|\\[\\n])*$/.test(rest ?? '')) throw new Error(`${where}: bad escape in HELP`);
        f.help = rest ?? '';
      }
      return;
    }
    const nm = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (nm === null) throw new Error(`${where}: sample without a metric name: ${line}`);
    const name = nm[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') [labels, i] = parseLabels(line, i, where);
    if (line[i] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const parts = line.slice(i + 1).split(' ');
    if (parts.length < 1 || parts.length > 2) throw new Error(`${where}: expected value [timestamp]`);
    const value = parseValue(parts[0]!, where);
    if (parts.length === 2 && !/^-?\d+$/.test(parts[1]!)) throw new Error(`${where}: bad timestamp`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSamples.has(key)) throw new Error(`${where}: duplicate sample ${key}`);
    seenSamples.add(key);
    let f = familyOf(name, families);
    if (f === undefined) families.set(name, (f = { name, type: 'untyped', help: null, samples: [] }));
    if (f.type === 'counter' && !(value >= 0)) throw new Error(`${where}: negative or NaN counter ${name}`);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  // Group by the labels other than `le`.
  const groups = new Map<string, { buckets: [number, number][]; count: number | null }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { buckets: [], count: null }));
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: bucket without le`);
      g.buckets.push([parseValue(le, `${f.name} le`), s.value]);
    } else if (s.name === `${f.name}_count`) g.count = s.value;
  }
  for (const [key, g] of groups) {
    const b = g.buckets;
    if (b.length === 0 || b[b.length - 1]![0] !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket last`);
    for (let k = 1; k < b.length; k++) {
      if (!(b[k]![0] > b[k - 1]![0])) throw new Error(`${f.name}${key}: le not increasing`);
      if (b[k]![1] < b[k - 1]![1]) throw new Error(`${f.name}${key}: buckets not cumulative`);
    }
    if (g.count !== b[b.length - 1]![1]) throw new Error(`${f.name}${key}: _count ${g.count} != +Inf bucket ${b[b.length - 1]![1]}`);
  }
}
