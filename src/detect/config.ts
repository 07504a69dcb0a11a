/**
 * Detection configuration: one zod schema holds every threshold and window
 * with its documented default (see config/detect.yaml and docs/detection.md).
 * A config file (YAML or JSON) is validated against it; errors name the key
 * path and, for choices, the accepted values.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const posInt = () => z.number().int().positive();
const nonNegInt = () => z.number().int().nonnegative();
const posNum = () => z.number().positive();
const ratio = () => z.number().min(0).max(1);

const PacketSizeSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Prototype rule: frame length below this fires. */
    prototypeMin: nonNegInt().default(50),
    /** Prototype rule: frame length above this fires. */
    prototypeMax: posInt().default(1500),
    /** Bytes allowed after the IP packet in a frame longer than the minimum Ethernet frame (FCS). */
    maxTrailerBytes: nonNegInt().default(4),
    /** Frames up to this length may carry Ethernet padding after the IP packet. */
    minEthernetFrame: posInt().default(64),
    /** Do not fire on TCP/UDP segmentation-offload aggregates (GSO/TSO/GRO) of Linux captures. */
    ignoreOffload: z.boolean().default(true),
  })
  .strict();

const DnsSchema = z
  .object({
    enabled: z.boolean().default(true),
    prototype: z
      .object({
        /** A label at least this long with at most `maxVowels` vowels is suspicious. */
        minLabelLength: posInt().default(10),
        maxVowels: nonNegInt().default(2),
        /** Names ending in one of these are suspicious. */
        suffixes: z.array(z.string().min(1)).default(['.xyz']),
        /** Names longer than this are suspicious. */
        maxNameLength: posInt().default(20),
      })
      .strict()
      .prefault({}),
    dga: z
      .object({
        enabled: z.boolean().default(true),
        /** Path of a model made by scripts/train-dns-model.ts (default: the shipped data/dns-model.json). */
        model: z.string().min(1).nullable().default(null),
        /** Score threshold override (default: the model's calibrated threshold). */
        threshold: z.number().nullable().default(null),
        /** Labels shorter than this are not scored (too little evidence). */
        minLabelLength: posInt().default(7),
      })
      .strict()
      .prefault({}),
    tunnel: z
      .object({
        /** A query label at least this long is tunnel-like. */
        longLabel: posInt().default(40),
        /** A subdomain part (name minus registered domain) at least this long is tunnel-like. */
        longSubdomain: posInt().default(80),
        /** Labels at least this long are checked for encoded data (entropy / hex / base32). */
        encodedMinLength: posInt().default(24),
        /** Shannon entropy (bits/char) of such a label at or above which it counts as encoded. */
        entropyBits: posNum().default(3.5),
        windowSec: posNum().default(60),
        /** Unique subdomains per registered domain within the window. */
        uniqueSubdomains: posInt().default(50),
        /** TXT/NULL queries or answers per registered domain within the window. */
        txtNullRecords: posInt().default(10),
        maxDomains: posInt().default(10000),
      })
      .strict()
      .prefault({}),
    nxdomain: z
      .object({
        windowSec: posNum().default(60),
        /** NXDOMAIN answers per client within the window. */
        threshold: posInt().default(20),
        maxClients: posInt().default(10000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const PortScanSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Sliding window for both scan kinds (Zeek: 5 min). */
    windowSec: posNum().default(300),
    /** Unique failed destination ports per (scanner, victim) (Zeek: 15). */
    portsPerVictim: posInt().default(15),
    /** Unique failed destination hosts per (scanner, port) (Zeek: 25). */
    hostsPerPort: posInt().default(25),
    /** An unanswered probe counts as failed after this many seconds. */
    probeTimeoutSec: posNum().default(5),
    /** Slots of the probe table (rounded up to a power of two). */
    maxProbes: posInt().default(65536),
    /** Scanner/victim and scanner/port keys kept. */
    maxKeys: posInt().default(20000),
    prototype: z
      .object({
        /** Prototype rule: unique destination ports per source above which it fires. */
        threshold: posInt().default(100),
        /** Sliding window of the prototype rule. */
        windowSec: posNum().default(60),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const rateLimits = (minRate: number, hardLimit: number) =>
  z
    .object({
      enabled: z.boolean().default(true),
      /** Packets per second to one destination below which nothing fires. */
      minRate: posNum().default(minRate),
      /** Packets per second that always fire, whatever the baseline. */
      hardLimit: posNum().default(hardLimit),
    })
    .strict();

const FloodSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Weight of the last second in the per-destination EWMA baseline. */
    ewmaAlpha: z.number().gt(0).max(1).default(0.1),
    /** Fire when the rate exceeds this multiple of the learned baseline (and minRate). */
    baselineFactor: posNum().default(10),
    maxDestinations: posInt().default(10000),
    syn: rateLimits(200, 5000)
      .extend({
        /** SYNs without a completed handshake, per destination, that always fire. */
        halfOpenLimit: posInt().default(1000),
        /** A half-open entry expires after this many seconds. */
        halfOpenTimeoutSec: posNum().default(10),
        maxHalfOpen: posInt().default(65536),
      })
      .prefault({}),
    udp: rateLimits(500, 20000)
      .extend({
        /** Only fire when the destination answers fewer than this share of the datagrams. */
        maxReplyRatio: ratio().default(0.1),
      })
      .prefault({}),
    icmp: rateLimits(200, 5000).prefault({}),
    /** Unsolicited SYN-ACK / RST backscatter (TCP reflection) per destination. */
    reflection: rateLimits(200, 5000).prefault({}),
    amplification: z
      .object({
        enabled: z.boolean().default(true),
        /** Response bytes per second to one destination below which nothing fires. */
        minBytesPerSec: posNum().default(100000),
        /** Response bytes must exceed this multiple of the request bytes the destination sent. */
        ratio: posNum().default(10),
        /** UDP source ports of amplifying services and their names. */
        ports: z
          .record(z.string().regex(/^\d{1,5}$/, 'a UDP port number'), z.string().min(1))
          .default({
            '53': 'DNS',
            '123': 'NTP',
            '161': 'SNMP',
            '389': 'CLDAP',
            '500': 'ISAKMP',
            '4500': 'ISAKMP',
            '1900': 'SSDP',
            '11211': 'memcached',
            '19': 'chargen',
          }),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const ListSchema = z
  .object({
    path: z.string().min(1),
    /** plain: IP/CIDR per line with # or ; comments; netset: FireHOL; drop: Spamhaus DROP ("CIDR ; SBL"). */
    format: z.enum(['auto', 'plain', 'netset', 'drop']).default('auto'),
    name: z.string().min(1).optional(),
  })
  .strict();

const defaultCacheDb = (): string =>
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wirewatch', 'intel-cache.sqlite');

const IntelSchema = z
  .object({
    abuseipdb: z
      .object({
        /** Look-ups run when a key is set (ABUSEIPDB_API_KEY or apiKey) unless this is false. */
        enabled: z.boolean().default(true),
        apiKey: z.string().min(1).nullable().default(null),
        /** API base URL (ABUSEIPDB_URL overrides the default). */
        baseUrl: z.string().url().nullable().default(null),
        maxAgeInDays: z.number().int().min(1).max(365).default(90),
        /** abuseConfidenceScore above this alerts. */
        threshold: z.number().int().min(0).max(100).default(50),
        cacheTtlSec: posInt().default(86400),
        /** How long a failed look-up (timeout, 5xx) is not retried. */
        errorTtlSec: posInt().default(600),
        cacheSize: posInt().default(100000),
        /** SQLite file persisting the cache across runs (null: memory only). */
        cacheDb: z.string().min(1).nullable().default(defaultCacheDb()),
        /** Requests per UTC day (AbuseIPDB free tier: 1000). */
        dailyBudget: nonNegInt().default(1000),
        timeoutMs: posInt().default(5000),
        concurrency: posInt().default(4),
        maxQueue: posInt().default(10000),
      })
      .strict()
      .prefault({}),
    lists: z.array(ListSchema).default([]),
    /** Quiet time after a list file changes before it is reloaded. */
    reloadDebounceMs: nonNegInt().default(500),
  })
  .strict();

export const DetectConfigSchema = z
  .object({
    /** prototype: the original four filters exactly; default: the sound detectors. */
    rules: z.enum(['default', 'prototype']).default('default'),
    /**
     * Run the DNS, port-scan and flood detectors (default rules) in a worker
     * thread: the packet thread then only queues what they read of each
     * packet. Alerts and counters are the same either way, in the same order.
     */
    detectorThread: z.boolean().default(true),
    /** Link MTU for files (live capture uses the interface's). */
    mtu: z.number().int().min(68).max(65535).nullable().default(null),
    suppress: z
      .object({
        enabled: z.boolean().default(true),
        /** At most one alert per source and signature per interval (Suricata threshold type limit). */
        intervalSec: posNum().default(60),
        maxKeys: posInt().default(50000),
      })
      .strict()
      .prefault({}),
    packetSize: PacketSizeSchema.prefault({}),
    dns: DnsSchema.prefault({}),
    portscan: PortScanSchema.prefault({}),
    flood: FloodSchema.prefault({}),
    intel: IntelSchema.prefault({}),
  })
  .strict();

export type DetectConfig = z.infer<typeof DetectConfigSchema>;
export type RuleSet = DetectConfig['rules'];

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

/** A config file that could not be read or does not match the schema. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Human-readable list of zod issues: "portscan.windowSec: Too small: expected number to be >0". */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      const keys = i.code === 'unrecognized_keys' ? ` (${i.keys.map((k) => `${path ? path + '.' : ''}${k}`).join(', ')})` : '';
      return `  ${path || '(top level)'}: ${i.message}${keys}`;
    })
    .join('\n');
}

/** Validates a parsed object (from YAML/JSON or tests) and fills the defaults. */
export function parseDetectConfig(raw: unknown, origin = 'config'): DetectConfig {
  const r = DetectConfigSchema.safeParse(raw ?? {});
  if (!r.success) throw new ConfigError(`${origin}: invalid detection config:\n${describeIssues(r.error.issues)}`);
  const c = r.data;
  // Paths may start with ~/ (as in the shipped config).
  if (c.intel.abuseipdb.cacheDb !== null) c.intel.abuseipdb.cacheDb = expandHome(c.intel.abuseipdb.cacheDb);
  if (c.dns.dga.model !== null) c.dns.dga.model = expandHome(c.dns.dga.model);
  for (const l of c.intel.lists) l.path = expandHome(l.path);
  return c;
}

/** Reads a YAML or JSON file (JSON is YAML, so one parser serves both). */
export function loadDetectConfig(file: string): DetectConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read config file: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid YAML/JSON: ${(e as Error).message}`);
  }
  return parseDetectConfig(raw, file);
}

/** The defaults (what an empty config file gives). */
export function defaultDetectConfig(): DetectConfig {
  return parseDetectConfig({});
}
