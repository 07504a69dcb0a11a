/**
 * The peers measured next to wirewatch on the same looped file: tcpdump
 * (read floor, -n and -nvv text), tshark (-T fields) and the npm `pcap` package's
 * JavaScript decoder (installed on demand into bench/peers/ from its lock file).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { openCaptureFile } from '../src/capture/open.js';
import type { RawFrame } from '../src/capture/frame.js';
import { best, ROOT, type BenchFile, type BenchRow } from './harness.js';

function haveTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Runs `cmd args` with stdout to /dev/null; returns false when it failed. */
function runToNull(cmd: string, args: string[]): boolean {
  const fd = openSync('/dev/null', 'w');
  try {
    const r = spawnSync(cmd, args, { stdio: ['ignore', fd, 'ignore'], env: { ...process.env, TZ: 'UTC' } });
    return r.status === 0;
  } finally {
    closeSync(fd);
  }
}

export async function toolRow(file: BenchFile, label: string, cmd: string, args: string[], path = file.path, packets = file.packets): Promise<BenchRow> {
  if (!haveTool(cmd)) return { file: file.name, name: label, packets, seconds: 0, note: `${cmd} not installed` };
  let ok = true;
  const seconds = await best(() => {
    ok = runToNull(cmd, args.map((a) => (a === '{}' ? path : a))) && ok;
  });
  return ok ? { file: file.name, name: label, packets, seconds } : { file: file.name, name: label, packets, seconds: 0, note: `${cmd} failed` };
}

// ---- npm pcap ----------------------------------------------------------------------------

const PEERS = join(ROOT, 'bench', 'peers');

interface PcapDecode {
  packet(p: { link_type: string; header: Buffer; buf: Buffer }): unknown;
}

/** Loads the npm pcap decoder, running `npm ci` in bench/peers first when needed. */
function loadNpmPcap(): { decode: PcapDecode | null; note: string } {
  const entry = join(PEERS, 'node_modules', 'pcap', 'decode', 'index.js');
  if (!existsSync(entry)) {
    const r = spawnSync('npm', ['ci', '--prefix', PEERS, '--no-audit', '--no-fund'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(entry)) {
      return { decode: null, note: `npm ci --prefix bench/peers failed: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ')}` };
    }
  }
  const built = existsSync(join(PEERS, 'node_modules', 'pcap', 'build', 'Release', 'pcap_binding.node'));
  const require = createRequire(import.meta.url);
  const mod = require(entry) as { decode: PcapDecode };
  return { decode: mod.decode, note: built ? '' : 'native part did not build on this Node; its JS decoder ran' };
}

/**
 * npm pcap's decoder on the same frames, read by wirewatch's reader (pcap's
 * own offline reader is libpcap; its per-packet cost is the JS decode measured here).
 */
export async function npmPcapRow(file: BenchFile): Promise<BenchRow> {
  const { decode, note } = loadNpmPcap();
  const name = 'npm pcap 3.1.0 decode';
  if (decode === null) return { file: file.name, name, packets: file.packets, seconds: 0, note };
  const header = Buffer.alloc(16);
  let packets = 0;
  const onFrame = (f: RawFrame): void => {
    header.writeUInt32LE(f.tsSec >>> 0, 0);
    header.writeUInt32LE(Math.floor(f.tsNsec / 1000), 4);
    header.writeUInt32LE(f.capLen, 8);
    header.writeUInt32LE(f.origLen, 12);
    // node_pcap hands its decoder a Buffer per packet; a view over the reader's buffer is the cheapest equivalent.
    decode.packet({ link_type: 'LINKTYPE_ETHERNET', header, buf: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength) });
    packets++;
  };
  const seconds = await best(async () => {
    packets = 0;
    const src = await openCaptureFile(file.path);
    await src.run(onFrame);
  });
  return { file: file.name, name, packets, seconds, ...(note !== '' ? { note } : {}) };
}

/** Reading frames without decoding: wirewatch's own file floor, for context. */
export async function readOnlyRow(file: BenchFile): Promise<BenchRow> {
  let packets = 0;
  const onFrame = (): void => {
    packets++;
  };
  const seconds = await best(async () => {
    packets = 0;
    const src = await openCaptureFile(file.path);
    await src.run(onFrame);
  });
  return { file: file.name, name: 'wirewatch read-only (no decode)', packets, seconds };
}
