/**
 * `npm run bench`: packets/s of wirewatch next to its peers on the same
 * files in the same run, as a markdown table on stdout and in bench/results.md.
 *
 * Each corpus file is looped into a temporary pcap sized for about one second
 * of wirewatch decoding, so start-up costs do not dominate (bench/loop.ts:
 * each copy is new connections between other hosts); every figure is
 * the best of three runs. Feature benchmarks listed in bench/registry.ts run
 * after the core rows on the same looped files.
 *
 *   node dist/bench/run.js [--core]
 * --core runs only the core rows (issue 2's table) and prints them without
 * touching bench/results.md: a quick check while working on the decoder or
 * the printers.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BufferedWriter } from '../src/output/buffered-writer.js';
import { createFormatter, PrintStage, type OutputFormat } from '../src/output/print-stage.js';
import { best, CORPUS, devNull, loopPcap, ROOT, runStages, type BenchContext, type BenchFile, type BenchRow } from './harness.js';
import { npmPcapRow, readOnlyRow, toolRow } from './peers.js';
import { BENCHES } from './registry.js';

const FILES = ['zeek/echo-connections.pcap', 'pcapplusplus/many-protocols.pcap'];
/** Seconds of wirewatch decode work each looped file is sized for. */
const TARGET_SECONDS = 1;
/** Seconds of tshark work for its (separately looped) file. */
const TSHARK_SECONDS = 2;
const MAX_REPS = 400;
/** Rounds over all core rows (wirewatch and peers), each row best of 3 per round: the rows' runs interleave in time. */
const CORE_ROUNDS = 3;

async function prepare(name: string): Promise<BenchFile> {
  const original = join(CORPUS, name);
  const one = loopPcap(original, 1);
  const t = await best(() => runStages(one.path, []).then(() => undefined), 2);
  const rate = one.packets / t;
  const reps = Math.max(1, Math.min(MAX_REPS, Math.ceil((rate * TARGET_SECONDS) / one.packets)));
  const looped = loopPcap(original, reps);
  return { name, original, originalPackets: one.packets, path: looped.path, packets: looped.packets, reps };
}

async function printRow(file: BenchFile, format: OutputFormat, label: string): Promise<BenchRow> {
  let packets = 0;
  const seconds = await best(async () => {
    const out = devNull();
    const writer = new BufferedWriter(out);
    packets = await runStages(file.path, [new PrintStage(createFormatter(format)!, writer)]);
    await new Promise<void>((r) => out.end(r));
  });
  return { file: file.name, name: label, packets, seconds };
}

const TSHARK_FRAME_NUMBER = 'tshark -n -T fields -e frame.number';
const TSHARK_CONFORMANCE = 'tshark -n -T fields (conformance fields)';
/** The columns of ../shared/corpus/expected/ (see its README): what wirewatch's JSON is checked against. */
const CONFORMANCE_FIELDS = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'eth.src', 'eth.dst', 'ip.version', 'ip.proto',
  'ip.src', 'ip.dst', 'ip.ttl', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.window_size_value',
  'tcp.checksum', 'udp.srcport', 'udp.dstport', 'udp.length', 'udp.checksum', 'dns.qry.name', '_ws.malformed',
];

/** tshark with `fields` (-e each), on its own loop of the file sized for TSHARK_SECONDS. */
async function tsharkRow(file: BenchFile, label: string, fields: readonly string[], extra: readonly string[] = []): Promise<BenchRow> {
  const args = ['-n', '-r', '{}', '-T', 'fields', ...extra, ...fields.flatMap((f) => ['-e', f])];
  const probe = await toolRow(file, 'tshark probe', 'tshark', args, file.original, file.originalPackets);
  if (probe.seconds === 0) return { ...probe, name: label };
  const reps = Math.max(1, Math.min(MAX_REPS, Math.ceil((TSHARK_SECONDS * file.originalPackets) / probe.seconds / file.originalPackets)));
  const looped = loopPcap(file.original, reps);
  return toolRow(file, label, 'tshark', args, looped.path, looped.packets);
}

function rate(r: BenchRow | undefined): number {
  return r !== undefined && r.seconds > 0 ? r.packets / r.seconds : 0;
}

function fmtRate(v: number): string {
  return v > 0 ? Math.round(v).toLocaleString('en-US') : 'n/a';
}

function ratio(a: number, b: number): string {
  return a > 0 && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';
}

function verdict(a: number, b: number, min: number): string {
  if (a <= 0 || b <= 0) return 'n/a';
  return a / b >= min ? 'met' : 'NOT met';
}

function table(rows: BenchRow[]): string {
  let s = '| file | what | packets | seconds (best) | packets/s | note |\n|---|---|---:|---:|---:|---|\n';
  for (const r of rows) {
    s += `| ${r.file} | ${r.name} | ${r.packets.toLocaleString('en-US')} | ${r.seconds > 0 ? r.seconds.toFixed(3) : 'n/a'} | ${fmtRate(rate(r))} | ${r.note ?? ''} |\n`;
  }
  return s;
}

function targets(files: BenchFile[], rows: BenchRow[]): string {
  let s = '| file | target | wirewatch | peer | ratio | required | status |\n|---|---|---:|---:|---:|---:|---|\n';
  for (const f of files) {
    const get = (name: string): number => rate(rows.find((r) => r.file === f.name && r.name === name));
    const decode = get('wirewatch decode-only');
    const json = get('wirewatch decode + JSON');
    const text = get('wirewatch decode + text');
    const brief = get('wirewatch decode + brief');
    const npm = get('npm pcap 3.1.0 decode');
    const floor = get('tcpdump -r F -w /dev/null');
    const tdBrief = get('tcpdump -nr F');
    const tdVerbose = get('tcpdump -nvvr F');
    const tshark = get(TSHARK_FRAME_NUMBER);
    const tsharkFields = get(TSHARK_CONFORMANCE);
    const line = (t: string, a: number, b: number, min: number): string =>
      `| ${f.name} | ${t} | ${fmtRate(a)} | ${fmtRate(b)} | ${ratio(a, b)} | ${min}× | ${verdict(a, b, min)} |\n`;
    const info = (t: string, a: number, b: number): string => `| ${f.name} | ${t} | ${fmtRate(a)} | ${fmtRate(b)} | ${ratio(a, b)} | – | for reference |\n`;
    s += line('decode-only vs npm pcap', decode, npm, 3);
    s += line('decode-only vs tcpdump -w /dev/null', decode, floor, 0.4);
    // The issue's targets: text (the full per-layer print) at least as fast as plain `tcpdump -nr`, which
    // prints less; JSON against tshark printing the fields the JSON is checked against.
    s += line('text vs tcpdump -nr', text, tdBrief, 1);
    s += line('JSON vs tshark -T fields (conformance fields)', json, tsharkFields, 20);
    // Same content on both sides: brief ↔ tcpdump's one line, text (ttl, id, checksums verified...) ↔ tcpdump -vv.
    s += info('brief vs tcpdump -nr', brief, tdBrief);
    s += info('text vs tcpdump -nvvr', text, tdVerbose);
    s += info('JSON vs tshark -T fields -e frame.number', json, tshark);
    s += info('decode-only vs tshark -T fields -e frame.number', decode, tshark);
  }
  return s;
}

async function main(): Promise<void> {
  const missing = FILES.filter((f) => !existsSync(join(CORPUS, f)));
  if (missing.length > 0) {
    process.stderr.write(`bench: needs ../shared/corpus beside the checkout (missing ${missing.join(', ')})\n`);
    process.exitCode = 1;
    return;
  }
  const files: BenchFile[] = [];
  for (const name of FILES) {
    const f = await prepare(name);
    process.stderr.write(`bench: ${name}: ${f.originalPackets} packets × ${f.reps} = ${f.packets}\n`);
    files.push(f);
  }
  const rows: BenchRow[] = [];
  /** Keeps the faster of the rounds' runs of a row (the machine's load drifts; rounds spread every row over the whole run). */
  const add = (r: BenchRow): void => {
    const i = rows.findIndex((x) => x.file === r.file && x.name === r.name);
    if (i < 0) rows.push(r);
    else if (rate(r) > rate(rows[i])) rows[i] = r;
    process.stderr.write(`bench: ${r.file}: ${r.name}: ${fmtRate(rate(r))} packets/s${r.note ? ` (${r.note})` : ''}\n`);
  };
  for (let round = 0; round < CORE_ROUNDS; round++) for (const f of files) {
    add(await readOnlyRow(f));
    let decoded = 0;
    const seconds = await best(async () => {
      decoded = await runStages(f.path, []);
    });
    add({ file: f.name, name: 'wirewatch decode-only', packets: decoded, seconds });
    add(await printRow(f, 'json', 'wirewatch decode + JSON'));
    add(await printRow(f, 'text', 'wirewatch decode + text'));
    add(await printRow(f, 'brief', 'wirewatch decode + brief'));
    add(await npmPcapRow(f));
    add(await toolRow(f, 'tcpdump -r F -w /dev/null', 'tcpdump', ['-r', '{}', '-w', '/dev/null']));
    add(await toolRow(f, 'tcpdump -nr F', 'tcpdump', ['-nr', '{}']));
    add(await toolRow(f, 'tcpdump -nvvr F', 'tcpdump', ['-nvvr', '{}']));
    add(await tsharkRow(f, TSHARK_FRAME_NUMBER, ['frame.number']));
    add(await tsharkRow(f, TSHARK_CONFORMANCE, CONFORMANCE_FIELDS, ['-E', 'occurrence=a', '-E', 'aggregator=;']));
  }
  if (process.argv.includes('--core')) {
    process.stdout.write(`## Throughput\n\n${table(rows)}\n## Targets (issue 2)\n\n${targets(files, rows)}`);
    return;
  }
  const ctx: BenchContext = { files, best, runStages: (file, stages) => runStages(file.path, stages) };
  for (const b of BENCHES) {
    try {
      for (const r of await b.run(ctx)) add(r);
    } catch (e) {
      add({ file: '-', name: b.name, packets: 0, seconds: 0, note: `failed: ${(e as Error).message}` });
    }
  }
  // Benchmarks that run as their own process (their own servers, or root and network namespaces).
  const standalone = [
    standaloneSection('Detection and threat intelligence (issue 5)', 'detect.js', []),
    process.getuid?.() === 0 ? standaloneSection('Live capture (issue 3)', 'capture.js', ['--seconds', '2']) : '## Live capture (issue 3)\n\nNot run: needs root (network namespaces).\n',
  ];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const md =
    `# Benchmark results\n\n` +
    `\`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu} (${cpus().length} cores). ` +
    `Each file is looped to about ${TARGET_SECONDS} s of wirewatch decoding, every copy shifted forward in time and moved to new host addresses (bench/loop.ts: same packets and checksum verdicts, new connections, so stateful stages do not see the first copy replayed); tshark gets its own loop ` +
    `of about ${TSHARK_SECONDS} s; output goes to /dev/null. Core rows: best of 3 runs in each of ${CORE_ROUNDS} rounds over all rows, so every row (ours and the peers') is sampled early and late in the run; the machine is shared, so compare the same-run ratios, not absolute rates. External tools include their start-up time.\n\n` +
    `## Throughput\n\n${table(rows)}\n## Targets (issue 2)\n\n${targets(files, rows)}\n${standalone.join('\n')}`;
  process.stdout.write(md);
  writeFileSync(join(ROOT, 'bench', 'results.md'), md);
}

/** Runs dist/bench/<script> as a child process and returns its stdout under a heading. */
function standaloneSection(title: string, script: string, args: string[]): string {
  process.stderr.write(`bench: ${title}...\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(ROOT, 'dist', 'bench', script), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 });
  const body = r.status === 0 ? r.stdout.trim() : `failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`;
  return `## ${title}\n\n\`node dist/bench/${script}\`\n\n${body}\n`;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
