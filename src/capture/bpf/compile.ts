/**
 * BPF filters on files: the expression is compiled by libpcap (through the
 * binding) for each link type met, and run by the TypeScript interpreter, so
 * `read -f` and `capture -f` select the same packets as `tcpdump -r` does.
 */
import type { RawFrame } from '../frame.js';
import { loadNative, NativeUnavailableError, nativeErrorCode } from '../native.js';
import { BpfProgram } from './interpreter.js';
import { UsageError } from '../../cli/context.js';

/** Snapshot length used for compilation; only the RET value depends on it, never the selection. */
const COMPILE_SNAPLEN = 262144;

/** A filter expression libpcap rejected for a link type. */
export class FilterError extends Error {
  constructor(
    readonly expression: string,
    readonly linkType: number,
    detail: string,
  ) {
    super(`filter '${expression}' (link type ${linkType}): ${detail}`);
    this.name = 'FilterError';
  }
}

/**
 * Compiles `expr` for one LINKTYPE_* as libpcap does for a savefile of that
 * type (so DLT_NULL matches every BSD AF_INET6 value, as tcpdump -r does).
 * `swapped`: the file was written on a machine of the other byte order (it
 * changes how DLT_NULL's host-order family field is compared).
 * Throws FilterError with libpcap's text.
 */
export function compileProgram(expr: string, linkType: number, swapped = false): BpfProgram {
  const native = loadNative();
  try {
    return new BpfProgram(native.compileFilter(expr, linkType, COMPILE_SNAPLEN, swapped));
  } catch (e) {
    if (nativeErrorCode(e) === 'EFILTER' && e instanceof Error) throw new FilterError(expr, linkType, e.message);
    throw e;
  }
}

/**
 * Returns a frame predicate for `expr` that compiles one program per link
 * type on first sight (pcapng files can mix link types). Throws
 * NativeUnavailableError at once when the binding is not built, and a
 * FilterError for a bad expression (checked for Ethernet up front, so typos
 * fail before any packet is read). `swapped`: see compileProgram.
 */
export function compileFileFilter(expr: string, firstLinkType = 1, swapped = false): (frame: RawFrame) => boolean {
  const programs = new Map<number, BpfProgram>();
  try {
    programs.set(firstLinkType, compileProgram(expr, firstLinkType, swapped));
  } catch (e) {
    if (e instanceof NativeUnavailableError) {
      throw new NativeUnavailableError(`BPF filters (-f) need it to compile '${expr}'`);
    }
    throw e;
  }
  let lastType = firstLinkType;
  let last = programs.get(firstLinkType)!;
  return (frame: RawFrame): boolean => {
    if (frame.linkType !== lastType) {
      let prog = programs.get(frame.linkType);
      if (prog === undefined) {
        prog = compileProgram(expr, frame.linkType, swapped);
        programs.set(frame.linkType, prog);
      }
      lastType = frame.linkType;
      last = prog;
    }
    return last.run(frame.data, frame.capLen, frame.origLen) !== 0;
  };
}

/**
 * `read -f EXPR`: the frame predicate for the pipeline, or null without -f.
 * A bad expression throws UsageError (exit 2) with libpcap's message; a
 * missing binding throws NativeUnavailableError naming the fix.
 */
export function fileFilterFromOptions(opts: Record<string, unknown>): ((frame: RawFrame) => boolean) | null {
  const expr = opts.filter;
  if (typeof expr !== 'string' || expr.trim() === '') return null;
  try {
    return compileFileFilter(expr);
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(`-f: ${e.message}`);
    throw e;
  }
}
