/**
 * The Kitsune stage: AfterImage features of every packet into KitNET; once
 * trained, scores above the threshold become EVE alerts (signature
 * "Kitsune anomaly") published on the EventBus, suppressed to one per source
 * per interval with a count. Optionally writes `frame,score` per packet and
 * saves/loads the trained model.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Layers, Packet } from '../../decode/packet.js';
import type { EventBus } from '../../events.js';
import { eveAlert } from '../../output/eve.js';
import type { Stage } from '../../pipeline.js';
import { srcAddrText, tupleOf, type Signature } from '../detector.js';
import { Suppressor } from '../suppress.js';
import { AfterImage, featureGroups, type Layout } from './afterimage.js';
import { PacketFrontEnd } from './frontend-packet.js';
import { KitNET } from './kitnet.js';
import { saveModel, type KitsuneModel } from './model.js';
import type { BoundsOptions } from './streams.js';
import { logNormalThreshold, type LogNormalThreshold } from './threshold.js';

/** Recent alert sources whose text is kept (see KitsuneStage.sourceEntry). */
const SRC_CACHE = 8;

export const KITSUNE_SIG: Signature = { id: 9100060, name: 'Kitsune anomaly', category: 'Misc activity', severity: 2 };

export interface KitsuneStageOptions {
  bus: EventBus;
  log: (msg: string) => void;
  layout: Layout;
  bounds: BoundsOptions;
  maxAE: number;
  fmGrace: number;
  adGrace: number;
  lr: number;
  hiddenRatio: number;
  /** Upper-tail probability of the fitted log-normal used as the alert threshold. */
  alertP: number;
  /** A trained model to run (skips training). */
  model: KitsuneModel | null;
  /** Where to save the model once trained (null: do not save). */
  saveTo: string | null;
  /** Write `frame,score` per packet here (null: no score file). */
  scoresFile: string | null;
  suppressSec: number;
}

/** Buffered `frame,score` CSV writer (synchronous, flushed in 64 KiB chunks). */
class ScoreWriter {
  private readonly fd: number;
  private buf = '';
  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'w');
    } catch (e) {
      throw new Error(`--scores ${file}: cannot open for writing (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    this.buf = 'frame,score\n';
  }
  add(frame: number, score: number): void {
    this.buf += `${frame},${score}\n`;
    if (this.buf.length > 65536) this.flush();
  }
  flush(): void {
    if (this.buf.length > 0) writeSync(this.fd, this.buf);
    this.buf = '';
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export class KitsuneStage implements Stage {
  readonly name = 'kitsune';
  readonly ai: AfterImage;
  readonly kitnet: KitNET;
  private readonly fe: PacketFrontEnd;
  private readonly x: Float64Array;
  private readonly groups: string[];
  private threshold: LogNormalThreshold | null;
  private readonly trainScores: number[] = [];
  private readonly suppressor: Suppressor;
  private readonly scores: ScoreWriter | null;
  packets = 0;
  alertsRaised = 0;
  alertsPublished = 0;
  maxScore = 0;

  constructor(private readonly o: KitsuneStageOptions) {
    const layout = o.model?.layout ?? o.layout;
    this.ai = new AfterImage(layout, o.bounds);
    this.fe = new PacketFrontEnd(this.ai);
    this.x = new Float64Array(this.ai.width);
    this.groups = featureGroups(layout);
    if (o.model !== null) {
      if (o.model.kitnet.opts.n !== this.ai.width) throw new Error(`model has ${o.model.kitnet.opts.n} features, layout ${layout} has ${this.ai.width}`);
      this.kitnet = o.model.kitnet;
      this.threshold = o.model.threshold;
    } else {
      this.kitnet = new KitNET({ n: this.ai.width, maxAE: o.maxAE, fmGrace: o.fmGrace, adGrace: o.adGrace, lr: o.lr, hiddenRatio: o.hiddenRatio });
      this.threshold = null;
      // The output layer's scores over the second half of training (the model has settled) fit the threshold.
      const from = o.fmGrace + 1 + Math.floor(o.adGrace / 2);
      this.kitnet.onTrainScore = (s) => {
        if (this.kitnet.nTrained >= from) this.trainScores.push(s);
      };
    }
    this.suppressor = new Suppressor(o.suppressSec, 10_000);
    this.scores = o.scoresFile !== null ? new ScoreWriter(o.scoresFile) : null;
  }

  get thresholdValue(): number | null {
    return this.threshold?.value ?? null;
  }

  onPacket(pkt: Packet): void {
    this.packets++;
    this.fe.process(pkt, this.x);
    const k = this.kitnet;
    const wasTraining = !k.executing;
    const score = k.process(this.x);
    if (this.scores !== null) this.scores.add(pkt.n, score);
    if (wasTraining) {
      if (k.executing) this.finishTraining();
      return;
    }
    if (score > this.maxScore) this.maxScore = score;
    const thr = this.threshold;
    if (thr !== null && score > thr.value) this.raise(pkt, score, thr.value);
  }

  private finishTraining(): void {
    try {
      this.threshold = logNormalThreshold(this.trainScores, this.o.alertP);
    } catch (e) {
      this.o.log(`kitsune: ${(e as Error).message}; no alerts`);
      return;
    }
    this.trainScores.length = 0;
    this.o.log(`kitsune: trained on ${this.kitnet.nTrained} packets, ${this.kitnet.map!.length} autoencoders, alert threshold ${this.threshold.value.toPrecision(6)}`);
    if (this.o.saveTo !== null) {
      try {
        saveModel(this.o.saveTo, { layout: this.ai.layout, kitnet: this.kitnet, threshold: this.threshold });
        this.o.log(`kitsune: model saved to ${this.o.saveTo}`);
      } catch (e) {
        this.o.log(`kitsune: cannot save the model to ${this.o.saveTo}: ${(e as Error).message}`);
      }
    }
  }

  /** The feature groups of the most anomalous autoencoders (alert evidence). */
  topGroups(n: number): { group: string; feature: string; rmse: number }[] {
    const k = this.kitnet;
    const s = k.layerScores;
    const order = Array.from(s.keys()).sort((a, b) => s[b]! - s[a]!);
    const out: { group: string; feature: string; rmse: number }[] = [];
    for (const a of order.slice(0, n)) {
      const f = k.worstFeature(a);
      out.push({ group: this.groups[f]!, feature: this.ai.names[f]!, rmse: Number(s[a]!.toPrecision(6)) });
    }
    return out;
  }

  /**
   * Source texts (and suppression slot keys) of recent alerts, so a flood's
   * alerts, most of them suppressed, build no strings: the last SRC_CACHE
   * sources, by IP version and address words, replaced round-robin (the two
   * ends of an attacked exchange alternate, so one entry is not enough).
   */
  private readonly srcVersion = new Int32Array(SRC_CACHE);
  private readonly srcWords = new Uint32Array(4 * SRC_CACHE);
  private readonly srcText: string[] = new Array<string>(SRC_CACHE).fill('');
  private readonly srcSlotKey: string[] = new Array<string>(SRC_CACHE).fill('');
  private srcNext = 0;

  /** Index in the source cache of l's source address (l has an IP layer), added when new. */
  private sourceEntry(l: Layers): number {
    const w = this.srcWords;
    const v = l.ipVersion;
    for (let i = 0; i < SRC_CACHE; i++) {
      if (this.srcVersion[i] !== v) continue;
      const o = 4 * i;
      if (v === 4 ? w[o] === l.src4 : w[o] === l.src6[0] && w[o + 1] === l.src6[1] && w[o + 2] === l.src6[2] && w[o + 3] === l.src6[3]) return i;
    }
    const i = this.srcNext;
    this.srcNext = (i + 1) % SRC_CACHE;
    this.srcVersion[i] = v;
    if (v === 4) w[4 * i] = l.src4;
    else w.set(l.src6, 4 * i);
    const text = srcAddrText(l);
    this.srcText[i] = text;
    this.srcSlotKey[i] = Suppressor.key(text, KITSUNE_SIG.id);
    return i;
  }

  private raise(pkt: Packet, score: number, threshold: number): void {
    this.alertsRaised++;
    // Most raised alerts are suppressed (one per source per interval): look at the source alone first.
    const l = pkt.innermost();
    let src = '';
    if (l.ipVersion !== 0) {
      const e = this.sourceEntry(l);
      src = this.srcText[e]!;
      if (src !== '' && this.suppressor.suppressIfActive(this.srcSlotKey[e]!, pkt.tsSec)) return;
    }
    const track = src !== '' ? src : 'non-ip';
    const suppressed = this.suppressor.check(track, KITSUNE_SIG.id, pkt.tsSec);
    if (suppressed < 0) return;
    this.alertsPublished++;
    const tuple = tupleOf(pkt, l);
    const sc = Number(score.toPrecision(6));
    const th = Number(threshold.toPrecision(6));
    const top = this.topGroups(3);
    const base = eveAlert({
      tsSec: pkt.tsSec,
      tsNsec: pkt.tsNsec,
      tuple,
      sig: KITSUNE_SIG,
      detector: 'kitsune',
      evidence: { score: sc, threshold: th, top_groups: top },
    }, suppressed);
    // score/threshold/top_groups also sit directly in `wirewatch`, for short jq filters.
    const rec = { ...base, wirewatch: { ...base.wirewatch, score: sc, threshold: th, top_groups: top } };
    this.o.bus.emit('alert', rec);
  }

  onEnd(): void {
    this.scores?.close();
    if (!this.kitnet.executing && this.o.model === null) {
      this.o.log(`kitsune: input ended during training (${this.kitnet.nTrained} of ${this.o.fmGrace + this.o.adGrace + 1} packets); no model${this.o.saveTo !== null ? ' saved' : ''}`);
    }
  }

  stats(): Record<string, number> {
    const st = this.ai.stateSize();
    return {
      packets: this.packets,
      executed: this.kitnet.nExecuted,
      alertsRaised: this.alertsRaised,
      alertsPublished: this.alertsPublished,
      streams: st.streams,
      links: st.links,
    };
  }
}
