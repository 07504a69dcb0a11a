/** gzip-compressed files (detected by magic) and stdin deliver exactly what the plain file delivers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { corpusFile, needShared, needTool } from '../helpers/env.js';
import { summarize, type ReadSummary } from './read-summary.js';
import { tempDir } from '../helpers/temp-dir.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'stdin-child.js');
const SAMPLES = ['zeek/echo-connections.pcap', 'nfstream/tor.pcap', 'pcapng-conformance/be-test202.pcapng', 'pcapplusplus/nanosecs_big_endian.pcap'];

function tmp(): string {
  return tempDir('ww-cap-');
}

/** Runs the child with `feed` writing its stdin. */
function readViaStdin(feed: (stdin: NodeJS.WritableStream) => void): Promise<ReadSummary & { error?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as ReadSummary & { error?: string });
      } catch (e) {
        reject(new Error(`child printed ${JSON.stringify(out)}: ${(e as Error).message}`));
      }
    });
    feed(child.stdin);
  });
}

test('gzip-compressed captures (any extension) read like the originals', async (t) => {
  if (!needShared(t)) return;
  const dir = tmp();
  for (const rel of SAMPLES) {
    const plain = await summarize(corpusFile(rel));
    const gz = join(dir, `${rel.replaceAll('/', '_')}.cap`);
    writeFileSync(gz, gzipSync(readFileSync(corpusFile(rel))));
    const viaGz = await summarize(gz);
    assert.equal(viaGz.frames, plain.frames, rel);
    assert.equal(viaGz.digest, plain.digest, rel);
    assert.equal(viaGz.bytesRead, viaGz.bytesTotal, 'progress counts compressed bytes up to the file size');
  }
});

test('a gzip stream cut short keeps the frames before the cut and warns', async (t) => {
  if (!needShared(t)) return;
  const dir = tmp();
  const whole = gzipSync(readFileSync(corpusFile('zeek/echo-connections.pcap')));
  const cut = join(dir, 'cut.pcap.gz');
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
  const r = await summarize(cut);
  assert.ok(r.frames > 1000 && r.frames < 82582, `frames ${r.frames}`);
  assert.ok(r.warnings.some((w) => w.includes('compressed stream ends unexpectedly')), JSON.stringify(r.warnings));
});

test("'-' reads stdin: plain, gzip, and tcpdump -w - piped in", async (t) => {
  if (!needShared(t)) return;
  for (const rel of SAMPLES.slice(0, 3)) {
    const plain = await summarize(corpusFile(rel));
    const viaPipe = await readViaStdin((stdin) => createReadStream(corpusFile(rel)).pipe(stdin));
    assert.equal(viaPipe.error, undefined);
    assert.equal(viaPipe.frames, plain.frames, rel);
    assert.equal(viaPipe.digest, plain.digest, rel);
    assert.equal(viaPipe.bytesTotal, -1, 'a pipe has no known size');
  }
  const rel = 'nfstream/tor.pcap';
  const gzBytes = gzipSync(readFileSync(corpusFile(rel)));
  const viaGz = await readViaStdin((stdin) => stdin.end(gzBytes));
  assert.equal(viaGz.digest, (await summarize(corpusFile(rel))).digest);

  if (!needTool(t, 'tcpdump')) return;
  // tcpdump -r F -w - | reader -: tcpdump rewrites the capture as pcap on the pipe.
  const src = corpusFile('zeek/echo-connections.pcap');
  const viaTcpdump = await readViaStdin((stdin) => {
    const td = spawn('tcpdump', ['-r', src, '-w', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
    td.stdout.pipe(stdin);
  });
  assert.equal(viaTcpdump.error, undefined);
  assert.equal(viaTcpdump.frames, 82582);
  assert.equal(viaTcpdump.digest, (await summarize(src)).digest);
});

test("'-' with garbage on stdin gives a clear error", async () => {
  const r = await readViaStdin((stdin) => stdin.end('GET / HTTP/1.1\r\n'));
  assert.match(r.error ?? '', /<stdin>: not a pcap or pcapng capture: unknown magic 0x47455420/);
});
