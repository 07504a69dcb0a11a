/**
 * What a CLI run shares between its parts. Each feature (flows, detection,
 * ML, monitoring, web...) is a module in src/cli/features/ that adds its
 * options to `read` and `capture` and contributes stages and outputs, so the
 * commands themselves stay short and features do not edit each other's code.
 */
import type { Command } from 'commander';
import type { Stage } from '../pipeline.js';
import type { SourceStats } from '../capture/frame.js';
import { EventBus } from '../events.js';

/** Everything a feature may need while building a run. */
export interface RunContext {
  /** 'read' (file/stdin, possibly --realtime) or 'capture' (live). */
  readonly mode: 'read' | 'capture';
  /** Parsed options of the command (commander's camelCase keys). */
  readonly opts: Record<string, unknown>;
  /** Alerts, flows and stats flow through here to every output. */
  readonly bus: EventBus;
  /** Human messages for stderr (never stdout: stdout belongs to --format output). */
  log(msg: string): void;
  /** Called at the very end (after stages' onEnd): close files, servers, databases. */
  onClose(fn: () => void | Promise<void>): void;
  /** Link MTU when known (live: the interface's; files: --mtu or 1500). */
  readonly mtu: number;
  /** The running source's statistics (bytes read, drops), once the source is attached. */
  sourceStats?: () => SourceStats;
}

export interface Feature {
  readonly name: string;
  /** Position in the packet path: monitor 10, flow 20, detect 30, ml 40, write/print 90. */
  readonly order: number;
  /** Adds this feature's options to a `read` or `capture` command. */
  addOptions(cmd: Command, mode: 'read' | 'capture'): void;
  /**
   * Returns this feature's stages (possibly none) for the run, in the order
   * they should see packets. Throw a UsageError for a bad option value.
   */
  createStages(ctx: RunContext): Promise<Stage[]> | Stage[];
}

/** A bad command-line value: the CLI prints the message (naming the option and accepted values) and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function newBus(): EventBus {
  return new EventBus();
}
