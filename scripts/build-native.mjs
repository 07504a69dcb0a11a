#!/usr/bin/env node
// Builds the libpcap binding (native/ → build/Release/wirewatch_pcap.node).
// Run by `npm install` / `npm rebuild` (package.json "install" script).
// Without libpcap headers it prints one notice and exits 0, so installing
// still succeeds and file analysis works; live capture then explains what to install.
import { existsSync, realpathSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function haveLibpcapHeaders() {
  if (existsSync('/usr/include/pcap.h') || existsSync('/usr/include/pcap/pcap.h')) return true;
  return spawnSync('pcap-config', ['--cflags'], { stdio: 'ignore' }).status === 0;
}

/** node-gyp as shipped with npm: npm sets npm_config_node_gyp for lifecycle scripts; else look beside npm. */
function findNodeGyp() {
  const fromEnv = process.env.npm_config_node_gyp;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const candidates = [];
  const npmExec = process.env.npm_execpath;
  if (npmExec) candidates.push(join(dirname(npmExec), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) {
    const npmBin = realpathSync(which.stdout.trim());
    candidates.push(join(dirname(npmBin), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

if (!haveLibpcapHeaders()) {
  console.log('wirewatch: libpcap headers not found, live capture disabled (apt-get install libpcap-dev, then npm rebuild)');
  process.exit(0);
}
const gyp = findNodeGyp();
if (gyp === null) {
  console.log('wirewatch: node-gyp not found (it ships with npm), live capture disabled; install npm, then npm rebuild');
  process.exit(0);
}
const args = [gyp, 'rebuild'];
// Use the headers installed with node when present, so no download is needed (offline builds).
const nodeDir = resolve(dirname(process.execPath), '..');
if (existsSync(join(nodeDir, 'include', 'node', 'node_api.h')) && existsSync(join(nodeDir, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${nodeDir}`);
}
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  // A failed build must not break installation: file analysis works without it.
  console.log('wirewatch: building the libpcap binding failed (see above); live capture disabled. Fix, then npm rebuild');
}
process.exit(0);
