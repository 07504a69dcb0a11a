/**
 * Flow features computed by hand on small crafted flows (frames built byte
 * by byte in craft.ts, decoded by the real decoder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A, B, runSegments, sampleStd, type Seg } from './craft.js';
import { CIC_COLUMNS, CIC_FEATURE_KEYS, CSV_HEADER, EXTRA_COLUMNS } from '../../src/flow/columns.js';
import { csvRow } from '../../src/flow/writer.js';
import type { FlowRecord } from '../../src/flow/record.js';

const fwd = (t: number, x: Partial<Seg>): Seg => ({ t, src: A, dst: B, sport: 1000, dport: 80, ...x });
const bwd = (t: number, x: Partial<Seg>): Seg => ({ t, src: B, dst: A, sport: 80, dport: 1000, ...x });

function close(a: number, b: number, msg: string): void {
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${msg}: ${a} != ${b}`);
}

test('TCP handshake, data both ways, FIN/FIN/ACK close with a trailing ACK in the linger', () => {
  const { recs } = runSegments([
    fwd(0, { flags: 'S', seq: 100, win: 64240, optLen: 20 }),
    bwd(1000, { flags: 'SA', seq: 500, ack: 101, win: 65160, optLen: 20 }),
    fwd(1500, { flags: 'A', seq: 101, ack: 501 }),
    fwd(2000, { flags: 'PA', seq: 101, ack: 501, payload: 100 }),
    bwd(4000, { flags: 'A', seq: 501, ack: 201 }),
    bwd(5000, { flags: 'PA', seq: 501, ack: 201, payload: 300 }),
    fwd(6000, { flags: 'A', seq: 201, ack: 801 }),
    fwd(7000, { flags: 'FA', seq: 201, ack: 801 }),
    bwd(8000, { flags: 'FA', seq: 801, ack: 202 }),
    fwd(9000, { flags: 'A', seq: 202, ack: 802 }),
    fwd(9500, { flags: 'A', seq: 202, ack: 802 }),
  ]);
  assert.equal(recs.length, 1, 'the trailing ACK joins the closed flow');
  const r = recs[0]!;
  const f = r.features;
  assert.equal(r.src_ip, '10.0.0.1');
  assert.equal(r.dest_port, 80);
  assert.equal(r.flow.reason, 'tcp_fin');
  assert.equal(r.flow.state, 'closed');
  assert.equal(f.flow_duration, 9500);
  assert.equal(f.total_fwd_packet, 7);
  assert.equal(f.total_bwd_packets, 4);
  assert.equal(f.total_length_of_fwd_packet, 100);
  assert.equal(f.total_length_of_bwd_packet, 300);
  assert.equal(f.fwd_packet_length_max, 100);
  assert.equal(f.fwd_packet_length_min, 0);
  close(f.fwd_packet_length_mean as number, 100 / 7, 'fwd mean');
  close(f.fwd_packet_length_std as number, sampleStd([0, 0, 100, 0, 0, 0, 0]), 'fwd std');
  close(f.bwd_packet_length_mean as number, 75, 'bwd mean');
  close(f.bwd_packet_length_std as number, sampleStd([0, 0, 300, 0]), 'bwd std');
  close(f.flow_bytes_s as number, 400 / 0.0095, 'bytes/s');
  close(f.flow_packets_s as number, 11 / 0.0095, 'packets/s');
  const iats = [1000, 500, 500, 2000, 1000, 1000, 1000, 1000, 1000, 500];
  close(f.flow_iat_mean as number, 950, 'flow iat mean');
  close(f.flow_iat_std as number, sampleStd(iats), 'flow iat std');
  assert.equal(f.flow_iat_max, 2000);
  assert.equal(f.flow_iat_min, 500);
  assert.equal(f.fwd_iat_total, 9500);
  close(f.fwd_iat_mean as number, 9500 / 6, 'fwd iat mean');
  close(f.fwd_iat_std as number, sampleStd([1500, 500, 4000, 1000, 2000, 500]), 'fwd iat std');
  assert.equal(f.fwd_iat_max, 4000);
  assert.equal(f.fwd_iat_min, 500);
  assert.equal(f.bwd_iat_total, 7000);
  close(f.bwd_iat_mean as number, 7000 / 3, 'bwd iat mean');
  assert.equal(f.bwd_iat_min, 1000);
  assert.equal(f.bwd_iat_max, 3000);
  assert.equal(f.fwd_psh_flags, 1);
  assert.equal(f.bwd_psh_flags, 1);
  assert.equal(f.fwd_header_length, 40 + 6 * 20);
  assert.equal(f.bwd_header_length, 40 + 3 * 20);
  close(f.fwd_packets_s as number, 7 / 0.0095, 'fwd pkts/s');
  assert.equal(f.packet_length_max, 300);
  close(f.packet_length_mean as number, 400 / 11, 'pkt len mean');
  close(f.packet_length_variance as number, sampleStd([0, 0, 0, 100, 0, 300, 0, 0, 0, 0, 0]) ** 2, 'pkt len var');
  assert.equal(f.fin_flag_count, 2);
  assert.equal(f.syn_flag_count, 2);
  assert.equal(f.rst_flag_count, 0);
  assert.equal(f.psh_flag_count, 2);
  assert.equal(f.ack_flag_count, 10);
  close(f.down_up_ratio as number, 4 / 7, 'down/up');
  close(f.average_packet_size as number, 400 / 11, 'avg size');
  close(f.fwd_segment_size_avg as number, 100 / 7, 'fwd seg avg');
  assert.equal(f.subflow_fwd_packets, 7);
  assert.equal(f.subflow_bwd_bytes, 300);
  assert.equal(f.fwd_init_win_bytes, 64240);
  assert.equal(f.bwd_init_win_bytes, 65160);
  assert.equal(f.fwd_act_data_pkts, 1);
  assert.equal(f.fwd_seg_size_min, 20);
  assert.equal(f.active_mean, 9500);
  assert.equal(f.idle_max, 0);
  assert.equal(f.tcp_history, 'ShADadFf');
  assert.equal(f.tcp_synack_rtt_us, 1000);
  assert.equal(f.tcp_handshake_rtt_us, 1500);
  assert.equal(f.fwd_retransmissions, 0);
  assert.equal(f.fwd_wire_bytes, 74 + 154 + 5 * 54);
  assert.equal(f.bwd_ip_bytes, 60 + 40 + 340 + 40);
  assert.equal(r.flow.bytes_toclient, 74 + 54 + 354 + 54);
  assert.equal(f.app_proto, 'http');
});

test('idle gap longer than the activity threshold: active/idle periods and subflows (UDP)', () => {
  const u = { proto: 'udp' as const, sport: 5000, dport: 53 };
  const { recs } = runSegments([
    { t: 0, src: A, dst: B, ...u, payload: 10 },
    { t: 100_000, src: B, dst: A, ...u, sport: 53, dport: 5000, payload: 50 },
    { t: 7_100_000, src: A, dst: B, ...u, payload: 20 },
    { t: 7_200_000, src: B, dst: A, ...u, sport: 53, dport: 5000, payload: 60 },
  ]);
  assert.equal(recs.length, 1);
  const f = recs[0]!.features;
  assert.equal(f.flow_duration, 7_200_000);
  assert.equal(f.active_mean, 100_000);
  assert.equal(f.active_std, 0);
  assert.equal(f.active_max, 100_000);
  assert.equal(f.active_min, 100_000);
  assert.equal(f.idle_mean, 7_000_000);
  assert.equal(f.idle_max, 7_000_000);
  assert.equal(f.idle_min, 7_000_000);
  assert.equal(f.subflow_fwd_packets, 1);
  assert.equal(f.subflow_fwd_bytes, 15);
  assert.equal(f.subflow_bwd_packets, 1);
  assert.equal(f.subflow_bwd_bytes, 55);
  close(f.flow_iat_mean as number, 2_400_000, 'iat mean');
  close(f.flow_iat_std as number, sampleStd([100_000, 7_000_000, 100_000]), 'iat std');
  assert.equal(f.fwd_header_length, 16);
  assert.equal(f.fwd_init_win_bytes, -1);
  assert.equal(f.bwd_init_win_bytes, -1);
  assert.equal(f.tcp_history, '');
  assert.equal(f.app_proto, 'dns');
});

test('bulk transfer: forward bulk of 7 packets, broken by a backward payload packet', () => {
  const segs: Seg[] = [];
  let seq = 1;
  for (const t of [0, 100, 200, 300, 400]) {
    segs.push(fwd(t, { flags: 'PA', seq, payload: 1000 }));
    seq += 1000;
  }
  segs.push(bwd(500, { flags: 'A', ack: seq }));
  for (const t of [600, 700]) {
    segs.push(fwd(t, { flags: 'PA', seq, payload: 500 }));
    seq += 500;
  }
  segs.push(bwd(800, { flags: 'PA', seq: 1, ack: seq, payload: 10 }));
  segs.push(fwd(900, { flags: 'PA', seq, payload: 100 }));
  const f = runSegments(segs).recs[0]!.features;
  assert.equal(f.fwd_bytes_bulk_avg, 6000);
  assert.equal(f.fwd_packet_bulk_avg, 7);
  close(f.fwd_bulk_rate_avg as number, 6000 / 0.0007, 'fwd bulk rate');
  assert.equal(f.bwd_bytes_bulk_avg, 0);
  assert.equal(f.bwd_packet_bulk_avg, 0);
  assert.equal(f.bwd_bulk_rate_avg, 0);
  assert.equal(f.fwd_act_data_pkts, 8);
  assert.equal(f.fwd_retransmissions, 0);
});

test('RST-terminated flow, trailing packet joins it, a new SYN starts a new flow', () => {
  const { recs } = runSegments([
    fwd(0, { flags: 'S', seq: 10 }),
    bwd(100, { flags: 'RA', seq: 0, ack: 11 }),
    bwd(150, { flags: 'R', seq: 11 }),
    fwd(1_000_000, { flags: 'S', seq: 5000 }),
  ]);
  assert.equal(recs.length, 2);
  const [a, b] = recs as [FlowRecord, FlowRecord];
  assert.equal(a.flow.reason, 'tcp_rst');
  assert.equal(a.flow.state, 'closed');
  assert.equal(a.flow.pkts_toserver, 1);
  assert.equal(a.flow.pkts_toclient, 2);
  assert.equal(a.features.rst_flag_count, 2);
  assert.equal(a.features.syn_flag_count, 1);
  assert.equal(a.features.tcp_history, 'Sr');
  assert.equal(b.flow.reason, 'end_of_input');
  assert.equal(b.flow.state, 'new');
  assert.equal(b.flow.pkts_toserver, 1);
  assert.ok(b.flow_id > a.flow_id);
  assert.equal(a.community_id, b.community_id, 'same 5-tuple, same Community ID');
});

test('UDP flow cut by the idle timeout, on the next packet and on a tick', () => {
  const u = { proto: 'udp' as const, sport: 4000, dport: 123 };
  const { recs } = runSegments(
    [
      { t: 0, src: A, dst: B, ...u, payload: 48 },
      { t: 1000, src: B, dst: A, ...u, sport: 123, dport: 4000, payload: 48 },
      // 11 s later: idle timeout of 10 s passed, same tuple → new flow.
      { t: 11_001_000, src: A, dst: B, ...u, payload: 48 },
      // Unrelated traffic advances time: the second flow expires on the tick, before the input ends.
      { t: 30_000_000, src: A, dst: B, ...u, sport: 4001, payload: 48 },
    ],
    { idleUdpS: 10, idleTcpS: 10, idleOtherS: 10 },
  );
  assert.equal(recs.length, 3);
  assert.equal(recs[0]!.flow.reason, 'idle_timeout');
  assert.equal(recs[0]!.flow.pkts_toserver + recs[0]!.flow.pkts_toclient, 2);
  assert.equal(recs[1]!.flow.reason, 'idle_timeout');
  assert.equal(recs[1]!.flow.pkts_toserver, 1);
  assert.equal(recs[1]!.src_port, 4000);
  assert.equal(recs[2]!.flow.reason, 'end_of_input');
  assert.equal(recs[2]!.src_port, 4001);
  assert.equal(recs[0]!.app_proto, 'ntp');
});

test('retransmission and out-of-order segments', () => {
  const f = runSegments([
    fwd(0, { flags: 'PA', seq: 1, payload: 100 }),
    fwd(10, { flags: 'PA', seq: 201, payload: 100 }),
    fwd(20, { flags: 'PA', seq: 101, payload: 100 }),
    fwd(30, { flags: 'PA', seq: 1, payload: 100 }),
  ]).recs[0]!.features;
  assert.equal(f.fwd_out_of_order, 1);
  assert.equal(f.fwd_retransmissions, 1);
  assert.equal(f.tcp_history, 'DT');
});

test('active timeout cuts a long flow; --max-flows evicts the least recently active', () => {
  const u = { proto: 'udp' as const, dport: 9 };
  const cut = runSegments(
    [0, 1e6, 2e6, 3e6].map((t) => ({ t, src: A, dst: B, sport: 7, ...u, payload: 1 })),
    { activeS: 2.5 },
  ).recs;
  assert.deepEqual(cut.map((r) => r.flow.reason), ['active_timeout', 'end_of_input']);
  assert.deepEqual(cut.map((r) => r.flow.pkts_toserver), [3, 1]);

  const { recs, stage } = runSegments(
    [
      { t: 0, src: A, dst: B, sport: 1, ...u },
      { t: 10, src: A, dst: B, sport: 2, ...u },
      { t: 20, src: A, dst: B, sport: 1, ...u },
      { t: 30, src: A, dst: B, sport: 3, ...u },
    ],
    { maxFlows: 2 },
  );
  assert.equal(stage.stats.evicted, 1);
  assert.equal(recs[0]!.flow.reason, 'evicted');
  assert.equal(recs[0]!.src_port, 2, 'port 1 was active more recently');
});

test('CSV: CICFlowMeter header (84 columns, Flow ID … Label) then extras; rows have as many fields', () => {
  assert.equal(CIC_COLUMNS.length, 84);
  assert.equal(CIC_COLUMNS[0], 'Flow ID');
  assert.equal(CIC_COLUMNS[83], 'Label');
  assert.equal(CIC_COLUMNS[82], 'Idle Min');
  const header = CSV_HEADER.split(',');
  assert.equal(header.length, 84 + EXTRA_COLUMNS.length);
  const r = runSegments([fwd(0, { flags: 'S' })]).recs[0]!;
  const row = csvRow(r, 'BENIGN').split(',');
  assert.equal(row.length, header.length);
  assert.equal(row[0], '10.0.0.1-10.0.0.2-1000-80-6');
  assert.equal(row[83], 'BENIGN');
  assert.equal(row[7], '0', 'one-packet flow: duration 0');
  assert.equal(row[20], '0', 'Flow Bytes/s is 0, not NaN/Infinity, for a zero duration');
  // The CSV writer reads the features in insertion order (Object.values): it must be the column order.
  assert.deepEqual(Object.keys(r.features), [...CIC_FEATURE_KEYS, ...EXTRA_COLUMNS]);
});
