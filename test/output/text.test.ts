/**
 * `--format text` carries the prototype's fields (number, time, MACs, IP
 * version/protocol/addresses, TCP ports/flags/window/checksum, UDP
 * ports/length/checksum): parsed back from the text, they agree with tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { corpusFile, needShared, needTool, ROOT } from '../helpers/env.js';
import { runCli } from '../cli/run-cli.js';
import { tsharkRows, type Row } from './tshark-fields.js';
import { IsoTimeFormatter } from '../../src/output/describe.js';
import { formatIsoTime } from '../../src/util/format.js';

/** The tshark-comparable fields of the first (outermost) level of each text block. */
function parseBlocks(text: string): Map<string, Partial<Row>> {
  const out = new Map<string, Partial<Row>>();
  for (const block of text.split(/\n(?=Packet \d+ )/)) {
    const head = /^Packet (\d+) {2}(\S+) {2}(\d+) bytes \((\d+) captured\)/.exec(block);
    if (head === null) continue;
    const r: Partial<Row> = { 'frame.number': head[1]!, 'frame.len': head[3]!, 'frame.cap_len': head[4]! };
    const eth = /^ {2}Ethernet {2}(\S+) -> (\S+)/m.exec(block);
    if (eth) [r['eth.src'], r['eth.dst']] = [eth[1]!, eth[2]!];
    const ip = /^ {2}IPv([46]) +\S+ \((\d+)\) {2}(\S+) -> (\S+)/m.exec(block);
    if (ip) {
      r['ip.version'] = ip[1]!;
      if (ip[1] === '4') [r['ip.proto'], r['ip.src'], r['ip.dst']] = [ip[2]!, ip[3]!, ip[4]!];
      else [r['ipv6.src'], r['ipv6.dst']] = [ip[3]!, ip[4]!];
    }
    const tcp = /^ {2}TCP {7}(\d+) -> (\d+) {2}flags \[[A-Z,]*\] 0x([0-9a-f]{3}) {2}window (\d+) {2}checksum (0x[0-9a-f]{4})/m.exec(block);
    if (tcp) {
      [r['tcp.srcport'], r['tcp.dstport'], r['tcp.flags']] = [tcp[1]!, tcp[2]!, `0x0${tcp[3]}`];
      [r['tcp.window_size_value'], r['tcp.checksum']] = [tcp[4]!, tcp[5]!];
    }
    const udp = /^ {2}UDP {7}(\d+) -> (\d+) {2}length (\d+) {2}checksum (0x[0-9a-f]{4})/m.exec(block);
    if (udp) [r['udp.srcport'], r['udp.dstport'], r['udp.length'], r['udp.checksum']] = [udp[1]!, udp[2]!, udp[3]!, udp[4]!];
    out.set(r['frame.number']!, r);
  }
  return out;
}

function firstOf(v: string): string {
  return v.split(';')[0] ?? '';
}

function check(file: string): number {
  const r = runCli(['read', file]);
  assert.equal(r.status, 0, r.stderr);
  const blocks = parseBlocks(r.stdout);
  const rows = tsharkRows(file);
  assert.equal(blocks.size, rows.length);
  let checked = 0;
  for (const t of rows) {
    if (t['_ws.malformed'] !== '') continue;
    const ours = blocks.get(t['frame.number'])!;
    for (const [k, v] of Object.entries(ours) as [keyof Row, string][]) {
      assert.equal(v, firstOf(t[k]), `frame ${t['frame.number']} ${k}`);
      checked++;
    }
  }
  return checked;
}

test('text output agrees with tshark on the demo capture', (t) => {
  if (!needTool(t, 'tshark')) return;
  const checked = check(join(ROOT, 'data', 'demo.pcapng'));
  t.diagnostic(`${checked} fields checked`);
  assert.ok(checked > 797 * 8);
});

test('text output agrees with tshark on mixed corpus traffic', (t) => {
  if (!needShared(t)) return;
  const checked = check(corpusFile('pcapplusplus/many-protocols.pcap'));
  t.diagnostic(`${checked} fields checked`);
  assert.ok(checked > 4000 * 8);
});

test('text shows tunnels with their inner packet, and DNS questions', (t) => {
  if (!needShared(t)) return;
  const vx = runCli(['read', corpusFile('zeek/tunnels/vxlan.pcap'), '-c', '1']).stdout;
  assert.match(vx, /^ {2}Tunnel {4}vxlan {2}id \d+ {2}inner packet:\n {4}Ethernet/m);
  const dns = runCli(['read', corpusFile('tcpdump/dns_udp.pcap'), '-c', '1']).stdout;
  assert.match(dns, /^ {2}DNS {7}query {2}id 0x[0-9a-f]{4}/m);
  assert.match(dns, /^ {12}question \S+ [A-Z]+/m);
});

test('IsoTimeFormatter agrees with formatIsoTime across seconds and precisions', () => {
  const f = new IsoTimeFormatter();
  for (const [sec, nsec, digits] of [[0, 0, 6], [1591780863, 720289000, 6], [1591780863, 720289123, 9], [1591780864, 5, 9], [4294967295, 999999999, 6], [1591780864, 5, 0]] as const) {
    assert.equal(f.format(sec, nsec, digits), formatIsoTime(sec, nsec, digits));
  }
});
