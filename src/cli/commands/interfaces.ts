/**
 * `wirewatch interfaces`: the capture devices libpcap sees, with state,
 * addresses and MTU (like `tcpdump -D`, with more detail).
 */
import type { Command } from 'commander';
import { interfaceMtu } from '../../capture/live.js';
import { loadNative, type NativeInterface } from '../../capture/native.js';
import { EXIT_ERROR, EXIT_OK } from '../run.js';

function flagsOf(i: NativeInterface): string {
  const f: string[] = [];
  if (i.up) f.push('up');
  if (i.running) f.push('running');
  if (i.loopback) f.push('loopback');
  if (i.wireless) f.push('wireless');
  if (i.connection !== 'unknown') f.push(i.connection);
  return f.join(',');
}

export function formatInterfaces(list: readonly NativeInterface[]): string {
  const lines: string[] = [];
  list.forEach((i, n) => {
    const mtu = i.loopback || i.up ? ` mtu ${interfaceMtu(i.name, 0) || '?'}` : '';
    lines.push(`${n + 1}. ${i.name} [${flagsOf(i)}]${mtu}${i.description ? `  (${i.description})` : ''}`);
    for (const a of i.addresses) {
      let s = `     ${a.family === 'IPv4' ? 'inet ' : 'inet6'} ${a.address ?? '?'}`;
      if (a.netmask) s += ` netmask ${a.netmask}`;
      if (a.broadcast) s += ` broadcast ${a.broadcast}`;
      if (a.destination) s += ` peer ${a.destination}`;
      lines.push(s);
    }
  });
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}

export function register(program: Command): void {
  program
    .command('interfaces')
    .description('list the interfaces live capture can use (name, state, addresses, MTU)')
    .option('--json', 'one JSON array instead of text')
    .action((opts: { json?: boolean }) => {
      let list: NativeInterface[];
      try {
        list = loadNative().listInterfaces();
      } catch (e) {
        process.stderr.write(`wirewatch: error: ${(e as Error).message}\n`);
        process.exitCode = EXIT_ERROR;
        return;
      }
      if (opts.json === true) {
        const withMtu = list.map((i) => ({ ...i, mtu: interfaceMtu(i.name, 0) || null }));
        process.stdout.write(JSON.stringify(withMtu, null, 2) + '\n');
      } else {
        process.stdout.write(formatInterfaces(list));
      }
      process.exitCode = EXIT_OK;
    });
}
