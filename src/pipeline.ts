/**
 * Wires a source, the decoder, stages and record sinks (see ../shared/DESIGN.md).
 *
 *   source ──► decode ──► stages (monitor, flow, detect, print) ──► sinks
 *
 * Time advances from packet timestamps (onTick), so offline and live runs
 * behave the same and tests are deterministic. A live source also ticks on a
 * wall-clock timer when traffic stops (see `Pipeline.tickIdle`).
 */
import type { FrameSource, RawFrame, SourceStats } from './capture/frame.js';
import { Packet } from './decode/packet.js';
import { Decoder, type DecoderOptions } from './decode/decoder.js';

/** A stage sees every decoded packet, in order. It must copy what it keeps. */
export interface Stage {
  readonly name: string;
  onPacket(pkt: Packet): void;
  /** Packet time advanced (called at most once per packet-time second, and on idle live ticks). */
  onTick?(tsSec: number, tsNsec: number): void;
  /** End of input: flush state (expire flows, await pending look-ups...). */
  onEnd?(tsSec: number, tsNsec: number): void | Promise<void>;
}

/** A record leaving the process: alert, flow, stats. Sinks never block the packet path. */
export interface EventRecord {
  event_type: string;
  timestamp: string;
  [k: string]: unknown;
}

export interface RecordSink {
  write(rec: EventRecord): void;
  close(): Promise<void>;
}

export interface PipelineOptions {
  decoder?: DecoderOptions;
  /** Stop after this many packets (0 = no limit). Counted after filtering. */
  count?: number;
  /** Optional frame filter (compiled BPF) applied before decoding; return false to skip the frame. */
  filter?: ((frame: RawFrame) => boolean) | null;
}

export interface RunSummary {
  source: SourceStats;
  packets: number;
  decoded: number;
  malformed: number;
  filtered: number;
  firstTs: number;
  lastTs: number;
  wallMs: number;
}

export class Pipeline {
  readonly packet = new Packet();
  private readonly decoder: Decoder;
  private packets = 0;
  private malformed = 0;
  private filtered = 0;
  private lastTickSec = -1;
  private firstTs = 0;
  private lastTsSec = 0;
  private lastTsNsec = 0;
  /** Set when the source has ended: the stages are finishing (onEnd) or closed, so idle ticks stop. */
  private ended = false;

  constructor(
    private readonly source: FrameSource,
    private readonly stages: Stage[],
    private readonly opts: PipelineOptions = {},
  ) {
    this.decoder = new Decoder(opts.decoder);
  }

  /** Number of packets passed to the stages so far. */
  get packetCount(): number {
    return this.packets;
  }

  async run(): Promise<RunSummary> {
    const t0 = performance.now();
    const limit = this.opts.count ?? 0;
    const filter = this.opts.filter ?? null;
    const pkt = this.packet;
    const stages = this.stages;
    const nStages = stages.length;
    const onFrame = (frame: RawFrame): void => {
      if (limit > 0 && this.packets >= limit) return;
      if (filter !== null && !filter(frame)) {
        this.filtered++;
        return;
      }
      this.decoder.decode(frame, pkt);
      this.packets++;
      if (this.packets === 1) this.firstTs = pkt.time;
      if (pkt.isMalformed()) this.malformed++;
      this.lastTsSec = pkt.tsSec;
      this.lastTsNsec = pkt.tsNsec;
      for (let i = 0; i < nStages; i++) stages[i]!.onPacket(pkt);
      if (pkt.tsSec !== this.lastTickSec) {
        this.lastTickSec = pkt.tsSec;
        for (let i = 0; i < nStages; i++) stages[i]!.onTick?.(pkt.tsSec, pkt.tsNsec);
      }
      if (limit > 0 && this.packets >= limit) this.source.stop();
    };
    let sourceStats: SourceStats;
    try {
      sourceStats = await this.source.run(onFrame);
    } finally {
      this.ended = true;
      for (const s of stages) await s.onEnd?.(this.lastTsSec, this.lastTsNsec);
    }
    return {
      source: sourceStats,
      packets: this.packets,
      decoded: this.packets - this.malformed,
      malformed: this.malformed,
      filtered: this.filtered,
      firstTs: this.firstTs,
      lastTs: this.lastTsSec + this.lastTsNsec / 1e9,
      wallMs: performance.now() - t0,
    };
  }

  /**
   * Live sources call this on a wall-clock timer when no packet arrived, so
   * timeouts still fire. Ignored once the source has ended: a timer that
   * fires during the stages' end-of-input work or after they closed (the
   * caller clears it only when the whole run is over) must not tick them.
   */
  tickIdle(tsSec: number, tsNsec: number): void {
    if (this.ended) return;
    for (const s of this.stages) s.onTick?.(tsSec, tsNsec);
  }
}
