/**
 * Precomputes tshark's conversation statistics for every corpus capture into
 * test/flow/fixtures/tshark-conv.json (tshark takes minutes over the corpus;
 * the test re-runs it live on a few files to check the fixture).
 * Usage: npx tsc -p . && node dist/test/flow/tools/make-tshark-conv.js
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, ROOT } from '../../helpers/env.js';
import { corpusCaptures, tsharkConv, type Conv } from '../conv.js';

const out: Record<string, Conv[]> = {};
const files = corpusCaptures(CORPUS);
for (const f of files) {
  out[f] = tsharkConv(join(CORPUS, f));
  process.stderr.write(`${f}: ${out[f].length} conversations\n`);
}
const dest = join(ROOT, 'test', 'flow', 'fixtures', 'tshark-conv.json');
writeFileSync(dest, JSON.stringify({ tshark: '4.0', command: 'tshark -q -n -z conv,tcp -z conv,udp -r FILE', files: out }) + '\n');
process.stderr.write(`wrote ${dest} (${files.length} captures)\n`);
