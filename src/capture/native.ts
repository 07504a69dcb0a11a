/**
 * Lazy loader and types of the libpcap binding (native/wirewatch_pcap.c,
 * built by scripts/build-native.mjs into build/Release/wirewatch_pcap.node).
 * File analysis never loads it; live capture, `interfaces` and BPF filters do.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddress {
  family: 'IPv4' | 'IPv6';
  address: string | null;
  netmask: string | null;
  broadcast: string | null;
  destination: string | null;
}

export interface NativeInterface {
  name: string;
  description: string | null;
  up: boolean;
  running: boolean;
  loopback: boolean;
  wireless: boolean;
  connection: 'connected' | 'disconnected' | 'not-applicable' | 'unknown';
  addresses: NativeAddress[];
}

export interface OpenOptions {
  /** Bytes kept per packet (default 262144). */
  snaplen?: number;
  /** Promiscuous mode (default true). */
  promisc?: boolean;
  /** Deliver packets as soon as they arrive instead of by kernel block (default false). */
  immediate?: boolean;
  /** Kernel capture buffer in bytes (0 = libpcap default). */
  bufferSize?: number;
  /** Ask for nanosecond timestamps (default true; see handle.nanosecond). */
  nanosecond?: boolean;
  /** Kernel block timeout in ms when not immediate (default 100). */
  timeoutMs?: number;
}

export interface NativeStats {
  received: number;
  dropped: number;
  ifDropped: number;
}

/**
 * An open live handle. Records in the batch buffer: native-endian uint32
 * [tsSec, tsFrac, capLen, origLen] then capLen bytes padded to 4.
 */
export interface NativeCapture {
  readonly snaplen: number;
  /** True when tsFrac is nanoseconds (else microseconds). */
  readonly nanosecond: boolean;
  /** libpcap's activation warning, if any (e.g. promiscuous mode not supported). */
  readonly warning?: string;
  setFilter(expr: string): void;
  start(buffer: Uint8Array, onBatch: (count: number, bytes: number) => void, onError?: (err: Error) => void): void;
  stop(): void;
  stats(): NativeStats;
  datalink(): number;
  close(): void;
}

export interface NativeBinding {
  listInterfaces(): NativeInterface[];
  open(name: string, opts?: OpenOptions): NativeCapture;
  /**
   * Compiles for a savefile of this LINKTYPE_* (byte order swapped or not):
   * the classic BPF program as [code, jt, jf, k] per instruction.
   */
  compileFilter(expr: string, linkType: number, snaplen: number, swapped?: boolean): Uint32Array;
  /**
   * libpcap's own bpf_filter() on `data` (reference for the TypeScript
   * interpreter); null when bpf_validate() rejects the program.
   */
  runFilter(insns: Uint32Array, data: Uint8Array, wirelen: number): number | null;
  libVersion(): string;
}

/** Error codes the binding puts on its errors (`err.code`). */
export type NativeErrorCode = 'EPCAP' | 'EPERM' | 'ENODEV' | 'EIFDOWN' | 'EFILTER' | 'ECLOSED' | 'EBUSY';

export class NativeUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `the libpcap binding is not built (${reason}): install libpcap-dev (\`apt-get install libpcap-dev\`) then \`npm rebuild\``,
    );
    this.name = 'NativeUnavailableError';
  }
}

/** Repository root: this file is dist/src/capture/native.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BINDING_PATH = join(ROOT, 'build', 'Release', 'wirewatch_pcap.node');

let cached: NativeBinding | null = null;

/** Loads the binding on first use; throws NativeUnavailableError naming the fix when it is missing. */
export function loadNative(): NativeBinding {
  if (cached !== null) return cached;
  if (!existsSync(BINDING_PATH)) throw new NativeUnavailableError(`${BINDING_PATH} not found`);
  try {
    cached = createRequire(import.meta.url)(BINDING_PATH) as NativeBinding;
  } catch (e) {
    throw new NativeUnavailableError(e instanceof Error ? e.message : String(e));
  }
  return cached;
}

export function nativeAvailable(): boolean {
  try {
    loadNative();
    return true;
  } catch {
    return false;
  }
}

/** The `code` property of an error thrown by the binding, if any. */
export function nativeErrorCode(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}
