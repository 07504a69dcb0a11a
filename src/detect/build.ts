/**
 * Builds the detectors of a rule set from a validated config:
 *   prototype — the original four filters exactly (packet size < 50 / > 1500,
 *               the three DNS name heuristics, AbuseIPDB > 50, unique ports per source);
 *   default   — the sound detectors (packet size vs IP length and MTU, DNS model,
 *               tunnelling, NXDOMAIN bursts, Zeek-style scans, floods, AbuseIPDB
 *               and offline block lists).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ABUSEIPDB_URL } from '../intel/abuseipdb.js';
import { AbuseIpdbThread } from '../intel/abuseipdb-thread.js';
import { BlockLists } from '../intel/lists.js';
import type { DetectConfig } from './config.js';
import type { Detector } from './detector.js';
import { DnsDetector, PrototypeDnsDetector } from './dns.js';
import { DnsModel } from './dns-model.js';
import { FloodDetector } from './flood.js';
import { IntelDetector } from './intel.js';
import { PacketSizeDetector, PrototypePacketSizeDetector } from './packet-size.js';
import { PortScanDetector, PrototypePortScanDetector } from './portscan.js';
import { ThreadedDetectors } from './thread/threaded-detectors.js';

/** data/dns-model.json of the installed package (dist/src/detect → repo root). */
export function shippedDnsModelPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of [join(here, '..', '..', '..'), join(here, '..', '..')]) {
    const p = join(up, 'data', 'dns-model.json');
    if (existsSync(p)) return p;
  }
  return resolve('data', 'dns-model.json');
}

export interface BuildOptions {
  log: (msg: string) => void;
  /** Environment (ABUSEIPDB_API_KEY, ABUSEIPDB_URL); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Watch block lists for changes (off in tests that do not need it). */
  watchLists?: boolean;
}

export function buildIntel(cfg: DetectConfig, o: BuildOptions): IntelDetector | null {
  const env = o.env ?? process.env;
  const a = cfg.intel.abuseipdb;
  const key = env.ABUSEIPDB_API_KEY || a.apiKey;
  let client: AbuseIpdbThread | null = null;
  if (a.enabled && key) {
    // The client and its cache run in a worker thread: requests, JSON, validation and SQLite stay off the packet thread.
    client = new AbuseIpdbThread(
      {
        client: {
          apiKey: key,
          baseUrl: env.ABUSEIPDB_URL || a.baseUrl || DEFAULT_ABUSEIPDB_URL,
          maxAgeInDays: a.maxAgeInDays,
          timeoutMs: a.timeoutMs,
          concurrency: a.concurrency,
          maxQueue: a.maxQueue,
          dailyBudget: a.dailyBudget,
          errorTtlMs: a.errorTtlSec * 1000,
        },
        cacheTtlMs: a.cacheTtlSec * 1000,
        cacheSize: a.cacheSize,
        cacheFile: a.cacheDb,
      },
      o.log,
    );
  }
  const lists = cfg.rules === 'default' && cfg.intel.lists.length > 0 ? new BlockLists(cfg.intel.lists, o.log, cfg.intel.reloadDebounceMs) : null;
  if (lists !== null && o.watchLists !== false) lists.watch();
  if (client === null && lists === null) return null;
  return new IntelDetector({ lists, abuseipdb: client, threshold: a.threshold, maxAgeInDays: a.maxAgeInDays, maxAddresses: a.cacheSize, drainMs: a.timeoutMs + 1000 });
}

export function buildDetectors(cfg: DetectConfig, o: BuildOptions): Detector[] {
  const out: Detector[] = [];
  const intel = buildIntel(cfg, o);
  if (cfg.rules === 'prototype') {
    if (cfg.packetSize.enabled) out.push(new PrototypePacketSizeDetector(cfg.packetSize));
    if (cfg.dns.enabled) out.push(new PrototypeDnsDetector(cfg.dns));
    if (intel !== null) out.push(intel);
    if (cfg.portscan.enabled) out.push(new PrototypePortScanDetector(cfg.portscan));
    return out;
  }
  // The order alerts of one packet come in: packet size, DNS, port scans, floods, intel.
  if (cfg.packetSize.enabled) out.push(new PacketSizeDetector(cfg.packetSize));
  const modelFile = cfg.dns.enabled && cfg.dns.dga.enabled ? (cfg.dns.dga.model ?? shippedDnsModelPath()) : null;
  // Loaded here in both modes, so a bad model file is reported before packets flow.
  const model = modelFile === null ? null : DnsModel.fromFile(modelFile);
  if (cfg.detectorThread && (cfg.dns.enabled || cfg.portscan.enabled || cfg.flood.enabled)) {
    out.push(
      new ThreadedDetectors({
        dns: cfg.dns.enabled ? cfg.dns : null,
        dnsModel: modelFile,
        portscan: cfg.portscan.enabled ? cfg.portscan : null,
        flood: cfg.flood.enabled ? cfg.flood : null,
        mtu: cfg.mtu ?? 1500,
      }),
    );
  } else {
    if (cfg.dns.enabled) out.push(new DnsDetector(cfg.dns, model));
    if (cfg.portscan.enabled) out.push(new PortScanDetector(cfg.portscan));
    if (cfg.flood.enabled) out.push(new FloodDetector(cfg.flood));
  }
  if (intel !== null) out.push(intel);
  return out;
}
