/**
 * Shared run logic of the packet commands (read, capture, demo): builds the
 * stages of every registered feature plus the print stage, runs the pipeline,
 * stops cleanly on SIGINT/SIGTERM or a closed stdout, and turns the outcome
 * into an exit code (0 ok, 1 runtime/capture error, 2 usage error).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Writable } from 'node:stream';
import { CaptureError, type FrameSource, type RawFrame, type SourceStats } from '../capture/frame.js';
import { Pipeline, type RunSummary, type Stage } from '../pipeline.js';
import { BufferedWriter } from '../output/buffered-writer.js';
import { createFormatter, OUTPUT_FORMATS, PrintStage, type OutputFormat } from '../output/print-stage.js';
import { newBus, UsageError, type RunContext } from './context.js';
import { FEATURES } from './features/index.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export type ExitCode = typeof EXIT_OK | typeof EXIT_ERROR | typeof EXIT_USAGE;

/** Position of the print stage in the packet path (see Feature.order). */
const PRINT_ORDER = 90;

// ---- option parsers (commander calls them; the thrown message names the accepted values) ----

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError('expected a positive integer (1, 2, 3...).');
  }
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('expected a number greater than 0 (e.g. 0.5, 1, 10).');
  }
  return n;
}

export function parseMtu(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 68 || n > 262144) {
    throw new InvalidArgumentError('expected an integer from 68 to 262144.');
  }
  return n;
}

/** Output options every packet command shares: --format, -q, -c, --no-app. */
export function addOutputOptions(cmd: Command, defaultFormat: OutputFormat): void {
  cmd
    .addOption(new Option('--format <format>', 'per-packet output').choices(OUTPUT_FORMATS).default(defaultFormat))
    .option('-q, --quiet', 'no per-packet output (same as --format none)')
    .option('-c, --count <n>', 'stop after N packets', parsePositiveInt)
    .option('--no-app', 'skip application-layer decoding (DNS, TLS, HTTP)');
}

/** Reads the shared output options back from commander's parsed values. */
export function outputSettings(opts: Record<string, unknown>): { format: OutputFormat; count: number; app: boolean } {
  const format = opts.quiet === true ? 'none' : ((opts.format as OutputFormat | undefined) ?? 'text');
  return { format, count: typeof opts.count === 'number' ? opts.count : 0, app: opts.app !== false };
}

// ---- run context --------------------------------------------------------------------------

export interface ClosableContext extends RunContext {
  /** Runs the onClose callbacks in reverse order of registration; errors are logged, not thrown. */
  close(): Promise<void>;
}

export function createRunContext(mode: 'read' | 'capture', opts: Record<string, unknown>, mtu: number): ClosableContext {
  const closers: (() => void | Promise<void>)[] = [];
  return {
    mode,
    opts,
    bus: newBus(),
    mtu,
    log: (msg: string) => process.stderr.write(`wirewatch: ${msg}\n`),
    onClose: (fn) => closers.push(fn),
    async close() {
      while (closers.length > 0) {
        const fn = closers.pop()!;
        try {
          await fn();
        } catch (e) {
          process.stderr.write(`wirewatch: error while closing: ${(e as Error).message}\n`);
        }
      }
    },
  };
}

// ---- the run ------------------------------------------------------------------------------

export interface RunOptions {
  format: OutputFormat;
  /** Stop after this many packets (0 = all). */
  count?: number;
  /** Decode application layers (default true). */
  app?: boolean;
  /** Frame filter applied before decoding (compiled BPF). */
  filter?: ((frame: RawFrame) => boolean) | null;
  /** Per-packet output destination (default stdout). */
  out?: Writable;
  /** Stages that run after the features' and before the print stage (e.g. the demo's summary). */
  extraStages?: Stage[];
  /** One-line run summary on stderr at the end (default true). */
  summary?: boolean;
  /** Called with the pipeline before it runs (live capture uses it for idle ticks). */
  onPipeline?: (p: Pipeline) => void;
}

export interface RunResult {
  exitCode: ExitCode;
  summary: RunSummary | null;
  /** True when SIGINT/SIGTERM or a closed stdout ended the run early. */
  interrupted: boolean;
}

async function buildFeatureStages(ctx: RunContext): Promise<{ before: Stage[]; after: Stage[] }> {
  const before: Stage[] = [];
  const after: Stage[] = [];
  for (const f of FEATURES) {
    const stages = await f.createStages(ctx);
    (f.order <= PRINT_ORDER ? before : after).push(...stages);
  }
  return { before, after };
}

/** Prints an error as the CLI shows it and returns the matching exit code. */
export function reportError(e: unknown): ExitCode {
  if (e instanceof UsageError) {
    process.stderr.write(`wirewatch: error: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof CaptureError) {
    process.stderr.write(`wirewatch: ${e.message}\n`);
    return EXIT_ERROR;
  }
  const err = e as Error;
  process.stderr.write(`wirewatch: error: ${err?.message ?? String(e)}\n`);
  return EXIT_ERROR;
}

function formatRate(n: number, ms: number): string {
  return ms > 0 ? Math.round((n * 1000) / ms).toLocaleString('en-US') : '-';
}

function printSummary(name: string, s: RunSummary | null, stats: SourceStats, interrupted: boolean): void {
  const packets = s?.packets ?? stats.frames;
  let line = `wirewatch: ${name}: ${packets.toLocaleString('en-US')} packets`;
  if (s !== null) {
    line += ` (${s.malformed} malformed${s.filtered > 0 ? `, ${s.filtered} filtered out` : ''})`;
    line += ` in ${(s.wallMs / 1000).toFixed(2)} s, ${formatRate(s.packets, s.wallMs)} packets/s`;
  }
  if (stats.dropped > 0 || stats.ifDropped > 0) line += `, ${stats.dropped} dropped by kernel, ${stats.ifDropped} by interface`;
  if (interrupted) line += ' (interrupted)';
  process.stderr.write(line + '\n');
}

/**
 * Runs `source` through the features' stages and the print stage. Resolves
 * with the exit code after every output was flushed and closed; never throws.
 */
export async function runPipeline(source: FrameSource, ctx: ClosableContext, options: RunOptions): Promise<RunResult> {
  let stages: { before: Stage[]; after: Stage[] };
  try {
    stages = await buildFeatureStages(ctx);
  } catch (e) {
    source.stop();
    await ctx.close();
    return { exitCode: reportError(e), summary: null, interrupted: false };
  }

  let interrupted = false;
  const out = options.out ?? process.stdout;
  const formatter = createFormatter(options.format);
  const writer = formatter !== null ? new BufferedWriter(out, () => {
    interrupted = true;
    source.stop();
  }) : null;
  const all: Stage[] = [...stages.before, ...(options.extraStages ?? [])];
  if (formatter !== null && writer !== null) all.push(new PrintStage(formatter, writer));
  all.push(...stages.after);

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      // A second Ctrl-C means "now": skip flushing.
      process.stderr.write(`wirewatch: ${sig} again, exiting without flushing\n`);
      process.exit(130);
    }
    interrupted = true;
    source.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const pipeline = new Pipeline(source, all, {
    decoder: { app: options.app ?? true },
    count: options.count ?? 0,
    filter: options.filter ?? null,
  });
  options.onPipeline?.(pipeline);

  let summary: RunSummary | null = null;
  let exitCode: ExitCode = EXIT_OK;
  let failure: unknown = null;
  try {
    summary = await pipeline.run();
  } catch (e) {
    failure = e;
  }
  // The print stage's onEnd flushed already unless a stage failed before it: flush whatever is left.
  if (writer !== null) {
    try {
      await writer.end();
    } catch (e) {
      failure ??= e;
    }
  }
  await ctx.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const stats = source.stats();
  for (const w of stats.warnings) process.stderr.write(`wirewatch: warning: ${w}\n`);
  if (options.summary !== false) printSummary(source.name, summary, stats, interrupted);
  if (failure !== null) exitCode = reportError(failure);
  return { exitCode, summary, interrupted };
}
