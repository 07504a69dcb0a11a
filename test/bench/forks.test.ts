/**
 * The bench's verdicts over several processes (bench/forks.ts): each fork is
 * a real child process started with the fork flag, its figures come back
 * from its last line, the verdict is their median, and a fork that fails or
 * reports nothing stops the bench with its exit status and last words.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acrossForks, FORK_FLAG, runForks } from '../../bench/forks.js';

/** A fork script in a fresh directory; `body` runs with `n`, this fork's number (1, 2, ...), kept in a counter file. */
function script(body: string): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'wwforks-'));
  const path = join(dir, 'fork.mjs');
  writeFileSync(
    path,
    `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const counter = ${JSON.stringify(join(dir, 'n'))};
const n = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
writeFileSync(counter, String(n));
if (!process.argv.includes(${JSON.stringify(FORK_FLAG)})) process.exit(3);
${body}
`,
  );
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('forks: each fork is its own process, started with the flag and the arguments; the verdict is the median of their figures', () => {
  // Fork 1 reports 30, fork 2 reports 10, fork 3 reports 20: the median is fork 3's.
  const s = script(`console.log('table of fork ' + n + ' ' + process.argv.slice(3).join(' '));
console.log('FORK-RESULT ' + JSON.stringify({ cost: [30, 10, 20][n - 1], pid: process.pid }));`);
  try {
    const runs = runForks(s.path, ['a.pcap', '7'], 3);
    assert.deepEqual(
      runs.map((r) => r.text),
      ['table of fork 1 a.pcap 7', 'table of fork 2 a.pcap 7', 'table of fork 3 a.pcap 7'],
    );
    assert.equal(new Set(runs.map((r) => r.figures.pid)).size, 3);
    assert.deepEqual(acrossForks(runs, 'cost'), { median: 20, forks: '30.0, 10.0, 20.0' });
    assert.throws(() => acrossForks(runs, 'missing'), /no figure "missing"/);
  } finally {
    s.done();
  }
});

test('forks: a fork that fails, or ends without its figures, is an error naming the fork and its last lines', () => {
  const failing = script(`console.log('half a table'); if (n === 2) { console.log('cannot open capture'); process.exit(4); }
console.log('FORK-RESULT {"cost": 1}');`);
  const silent = script(`console.log('no figures here');`);
  try {
    assert.throws(() => runForks(failing.path, [], 3), /fork 2 of .*failed \(exit 4\): half a table cannot open capture/);
    assert.throws(() => runForks(silent.path, [], 1), /fork 1 of .*failed \(exit 0\): no figures here/);
  } finally {
    failing.done();
    silent.done();
  }
});
