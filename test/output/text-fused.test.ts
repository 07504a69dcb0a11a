/**
 * The text printer writes the first lines of plain Ethernet/IPv4/TCP|UDP
 * packets in one fused pass (src/output/text-common.ts) and every other
 * packet layer by layer. The layer-by-layer path defines the text: on every
 * corpus capture, both give the same bytes, so a change to one path that is
 * not made to the other fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { CaptureError } from '../../src/capture/frame.js';
import { openCaptureFile } from '../../src/capture/open.js';
import { Pipeline, type Stage } from '../../src/pipeline.js';
import { PrintStage } from '../../src/output/print-stage.js';
import { BufferedWriter } from '../../src/output/buffered-writer.js';
import { TextPrinter } from '../../src/output/text.js';
import { isCommonIp4 } from '../../src/output/text-common.js';
import { CORPUS, corpusFiles, needShared } from '../helpers/env.js';

const CAPTURE_EXT = /\.(pcap|pcapng|cap|pcap\.gz|pcapng\.gz)$/i;
/** Packets printed per capture: enough for every kind of packet a capture holds, short enough for a unit test. */
const PER_FILE = 2000;

/** The text of the first PER_FILE packets of `file`, and how many of them the fused path can print. */
async function textOf(file: string, fused: boolean): Promise<{ text: string; common: number }> {
  const chunks: Buffer[] = [];
  // The writer reuses its buffer once the sink returns: keep copies.
  const sink = new Writable({ write(c: Buffer, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
  let common = 0;
  const counter: Stage = {
    name: 'count-common',
    onPacket: (p) => {
      if (p.ifIndex <= 0 && p.sllPktType < 0 && isCommonIp4(p)) common++;
    },
  };
  const stages = [new PrintStage(new TextPrinter(fused), new BufferedWriter(sink)), counter];
  try {
    await new Pipeline(await openCaptureFile(file), stages, { count: PER_FILE }).run();
  } catch (e) {
    // A corrupt capture ends early; the packets before the bad record were printed and are compared.
    if (!(e instanceof CaptureError)) throw e;
  }
  return { text: Buffer.concat(chunks).toString('latin1'), common };
}

test('the fused text path writes the same bytes as the layer-by-layer path on every corpus capture', async (t) => {
  if (!needShared(t)) return;
  const files = corpusFiles(CORPUS, (_, name) => CAPTURE_EXT.test(name));
  let common = 0;
  let bytes = 0;
  for (const rel of files) {
    const file = `${CORPUS}/${rel}`;
    const fused = await textOf(file, true);
    const layered = await textOf(file, false);
    assert.equal(fused.text, layered.text, rel);
    common += fused.common;
    bytes += fused.text.length;
  }
  t.diagnostic(`${files.length} captures, ${bytes} bytes of text, ${common} packets through the fused path`);
  // The comparison means something only if the fused path ran, and often.
  assert.ok(common > 20_000, `${common} packets through the fused path`);
});
