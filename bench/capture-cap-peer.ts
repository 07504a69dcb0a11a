/**
 * The npm `cap` package (NAN, one JS callback per packet) as a capture peer
 * for bench/capture.ts: counts packets and bytes on an interface until
 * SIGINT, then prints one JSON line. Run inside the benchmark namespace.
 */
import { createRequire } from 'node:module';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  on(ev: 'packet', fn: (nbytes: number, truncated: boolean) => void): void;
  setMinBytes?(n: number): void;
  close(): void;
}
interface CapModule {
  Cap: new () => CapHandle;
  decoders: { Ethernet(b: Buffer): { info: { type: number }; offset: number }; IPV4(b: Buffer, off: number): unknown };
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cap = createRequire(join(root, 'bench', 'peers', 'package.json'))('cap') as CapModule;
const device = process.argv[2] ?? 'eth0';
const handle = new cap.Cap();
const buffer = Buffer.alloc(65535);
handle.open(device, '', 32 * 1024 * 1024, buffer);
handle.setMinBytes?.(0);
let packets = 0;
let bytes = 0;
handle.on('packet', (nbytes) => {
  packets++;
  bytes += nbytes;
  // Decode like the other contestants do: Ethernet, then IPv4 when present (cap's own decoders).
  const eth = cap.decoders.Ethernet(buffer);
  if (eth.info.type === 2048) cap.decoders.IPV4(buffer, eth.offset);
});
process.stderr.write('cap: listening\n');
process.on('SIGINT', () => {
  handle.close();
  process.stdout.write(JSON.stringify({ packets, bytes }) + '\n');
  process.exit(0);
});
