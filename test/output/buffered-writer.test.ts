/** BufferedWriter reuses its chunk Buffers only once the sink is done with them: every sink receives exactly the bytes written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { BufferedWriter } from '../../src/output/buffered-writer.js';

/** A sink that copies each chunk when it takes it, and takes it at once (sync) or on a later turn (async). */
function sink(async: boolean): { out: Writable; received: () => string } {
  const parts: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      if (!async) {
        parts.push(Buffer.from(chunk));
        cb();
        return;
      }
      // Copied only when the write completes: the Buffer must stay untouched until then.
      setImmediate(() => {
        parts.push(Buffer.from(chunk));
        cb();
      });
    },
  });
  return { out, received: () => Buffer.concat(parts).toString('latin1') };
}

/** Lines of varying length, many chunks' worth, written in one synchronous run (as a batch of packets is). */
function lines(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 5000; i++) out.push(`line ${i} ${'x'.repeat(i % 97)}\n`);
  return out;
}

for (const async of [false, true]) {
  test(`BufferedWriter delivers every byte in order to a ${async ? 'slow' : 'synchronous'} sink`, async () => {
    const { out, received } = sink(async);
    const w = new BufferedWriter(out, () => {}, 4096);
    const all = lines();
    for (const s of all) {
      w.reserve(256);
      w.write(s);
    }
    await w.end();
    await new Promise<void>((r) => out.end(r));
    assert.equal(received(), all.join(''));
    assert.equal(w.written, all.join('').length);
  });
}
