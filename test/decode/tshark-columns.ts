/**
 * Renders the JSON output of a packet (src/output/json.ts) as the columns of
 * the tshark reference files (../shared/corpus/expected/README.md): repeated
 * fields joined with ';', outermost first (a level's own layers, then the IP
 * packet its ICMP error quotes, then its tunnel payload).
 */
export const TSHARK_COLUMNS = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'eth.src', 'eth.dst',
  'ip.version', 'ip.proto', 'ip.src', 'ip.dst', 'ip.ttl', 'ipv6.src', 'ipv6.dst',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.window_size_value', 'tcp.checksum',
  'udp.srcport', 'udp.dstport', 'udp.length', 'udp.checksum', 'dns.qry.name',
] as const;
export type TsharkColumn = (typeof TSHARK_COLUMNS)[number];
export type Columns = Record<TsharkColumn, string>;

type Json = Record<string, unknown>;
type Acc = Record<TsharkColumn, string[]>;

function obj(v: unknown): Json | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
}

function hex4(v: unknown): string {
  return `0x${Number(v).toString(16).padStart(4, '0')}`;
}

/** "2020-06-10T09:21:03.720289Z" → "1591780863.720289000" (tshark's frame.time_epoch). */
export function isoToEpoch9(ts: string): string {
  // Beyond the range of Date, formatIsoTime writes "@<epoch seconds>.<fraction>Z".
  const at = /^@(-?\d+)(?:\.(\d+))?Z$/.exec(ts);
  if (at !== null) return `${at[1]}.${(at[2] ?? '').padEnd(9, '0')}`;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  if (m === null) return ts;
  const sec = Date.parse(`${m[1]}Z`) / 1000;
  return `${sec}.${(m[2] ?? '').padEnd(9, '0')}`;
}

function addLevel(c: Acc, o: Json): void {
  const eth = obj(o.eth);
  if (eth !== null) {
    c['eth.src'].push(String(eth.src));
    c['eth.dst'].push(String(eth.dst));
  }
  const ip = obj(o.ip);
  if (ip !== null) {
    c['ip.version'].push(String(ip.version));
    if (ip.version === 4) {
      c['ip.proto'].push(String(ip.proto));
      c['ip.src'].push(String(ip.src));
      c['ip.dst'].push(String(ip.dst));
      c['ip.ttl'].push(String(ip.ttl));
    } else {
      c['ipv6.src'].push(String(ip.src));
      c['ipv6.dst'].push(String(ip.dst));
    }
  }
  const tcp = obj(o.tcp);
  if (tcp !== null) {
    c['tcp.srcport'].push(String(tcp.sport));
    c['tcp.dstport'].push(String(tcp.dport));
    // An ICMP quote holds only 8 bytes of TCP: no flags/window/checksum (hdr_len 0), as tshark.
    if (Number(tcp.hdr_len) > 0) {
      c['tcp.flags'].push(hex4(tcp.flags));
      c['tcp.window_size_value'].push(String(tcp.window));
      c['tcp.checksum'].push(hex4(tcp.checksum));
    }
  }
  const udp = obj(o.udp);
  if (udp !== null) {
    c['udp.srcport'].push(String(udp.sport));
    c['udp.dstport'].push(String(udp.dport));
    c['udp.length'].push(String(udp.length));
    c['udp.checksum'].push(hex4(udp.checksum));
  }
  const dns = obj(o.dns);
  if (dns !== null && Array.isArray(dns.questions)) {
    for (const q of dns.questions) c['dns.qry.name'].push(String(obj(q)?.name));
  }
  const quoted = obj(obj(o.icmp)?.quoted);
  if (quoted !== null) addLevel(c, quoted);
  const inner = obj(o.inner);
  if (inner !== null) addLevel(c, inner);
}

/** The tshark-column view of one packet's JSON object. */
export function jsonColumns(j: Json): Columns {
  const c = {} as Acc;
  for (const k of TSHARK_COLUMNS) c[k] = [];
  c['frame.number'].push(String(j.n));
  c['frame.time_epoch'].push(isoToEpoch9(String(j.ts)));
  c['frame.len'].push(String(j.len));
  c['frame.cap_len'].push(String(j.caplen));
  addLevel(c, j);
  const out = {} as Columns;
  for (const k of TSHARK_COLUMNS) out[k] = c[k].join(';');
  return out;
}
