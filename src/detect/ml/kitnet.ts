/**
 * KitNET (Kitsune-py KitNET.py): a feature mapper learned during the first
 * grace period, an ensemble of small autoencoders (one per feature cluster)
 * trained during the second, and an output autoencoder over their RMSEs whose
 * RMSE is the anomaly score. The frame schedule matches the reference exactly:
 * frame k (0-based) with k ≤ fmGrace updates the mapper (the map is built at
 * k = fmGrace, which trains nothing), k ≤ fmGrace + adGrace trains, later frames
 * execute; training frames score 0.
 */
import { Autoencoder, hiddenUnits, type AutoencoderJson } from './autoencoder.js';
import { CorClust } from './corclust.js';
import { WasmEnsemble } from './ensemble-wasm.js';

export interface KitNETOptions {
  /** Features per input vector. */
  n: number;
  maxAE: number;
  fmGrace: number;
  adGrace: number;
  lr: number;
  hiddenRatio: number;
  /**
   * Use this map instead of learning one. The frame schedule is unchanged (the
   * first fmGrace + 1 frames train nothing), so a reference run with a learned
   * map is reproduced exactly.
   */
  featureMap?: number[][] | null;
}

export const DEFAULT_KITNET = { maxAE: 10, fmGrace: 5000, adGrace: 50000, lr: 0.1, hiddenRatio: 0.75 } as const;

export interface KitNETJson {
  opts: Omit<KitNETOptions, 'featureMap'>;
  nTrained: number;
  map: number[][];
  ensemble: AutoencoderJson[];
  output: AutoencoderJson;
}

export class KitNET {
  /** Frames seen so far (Kitsune-py's n_trained, which stops counting once executing). */
  nTrained = 0;
  nExecuted = 0;
  map: number[][] | null = null;
  private mapIdx: Int32Array[] = [];
  ensemble: Autoencoder[] = [];
  output: Autoencoder | null = null;
  /** Ensemble RMSEs of the last frame (the output layer's input). */
  private s1: Float64Array = new Float64Array(0);
  /** The per-frame passes over ensemble and output, whose memory holds every autoencoder's state (once they exist). */
  private wasm: WasmEnsemble | null = null;
  private readonly fm: CorClust | null;
  private readonly fixedMap: number[][] | null;
  /** Called with the output layer's training RMSE of each AD-grace frame (for the threshold). */
  onTrainScore: ((score: number) => void) | null = null;

  constructor(readonly opts: KitNETOptions) {
    if (!(opts.n >= 1)) throw new Error(`KitNET: feature count must be ≥ 1 (got ${opts.n})`);
    this.fixedMap = opts.featureMap ?? null;
    if (this.fixedMap !== null) validateMap(this.fixedMap, opts.n, 'feature map');
    this.fm = this.fixedMap === null ? new CorClust(opts.n) : null;
  }

  get executing(): boolean {
    return this.nTrained > this.opts.fmGrace + this.opts.adGrace;
  }

  /** Trains on or scores x; returns 0 during training (as the reference) and the anomaly score after. */
  process(x: Float64Array): number {
    if (this.nTrained > this.opts.fmGrace + this.opts.adGrace) return this.execute(x);
    this.train(x);
    return 0;
  }

  private train(x: Float64Array): void {
    const { fmGrace } = this.opts;
    if (this.nTrained <= fmGrace && this.output === null) {
      this.fm?.update(x);
      if (this.nTrained === fmGrace) this.createAutoencoders(this.fixedMap ?? this.fm!.cluster(this.opts.maxAE));
    } else {
      const w = this.wasm!;
      w.x.set(x);
      w.train();
      const e = this.ensemble;
      for (let a = 0; a < e.length; a++) e[a]!.n++;
      this.output!.n++;
      this.onTrainScore?.(w.score[0]!);
    }
    this.nTrained++;
  }

  /** Scores x with the trained model (no learning). */
  execute(x: Float64Array): number {
    if (this.output === null) throw new Error('KitNET: no feature map yet (still in the feature-mapping grace period)');
    this.nExecuted++;
    const w = this.wasm!;
    w.x.set(x);
    w.execute();
    return w.score[0]!;
  }

  /** Ensemble RMSEs of the last executed or trained frame. */
  get layerScores(): Float64Array {
    return this.s1;
  }

  /** Index of the worst-reconstructed input feature of ensemble member a in the last pass. */
  worstFeature(a: number): number {
    return this.mapIdx[a]![this.ensemble[a]!.worstInput()]!;
  }

  private createAutoencoders(map: number[][]): void {
    this.map = map.map((c) => c.slice());
    this.mapIdx = this.map.map((c) => Int32Array.from(c));
    const { lr, hiddenRatio } = this.opts;
    const nh = (nv: number): number => hiddenUnits(nv, hiddenRatio);
    const w = this.bind(this.map.map((c) => ({ nh: nh(c.length), lr })), { nh: nh(this.map.length), lr });
    this.ensemble = this.map.map((c, a) => new Autoencoder(c.length, nh(c.length), lr, 1234, w.states[a]!));
    this.output = new Autoencoder(this.map.length, nh(this.map.length), lr, 1234, w.states[this.map.length]!);
  }

  /**
   * Builds the passes for the current map (each member's hidden size and
   * learning rate given) and returns them; the autoencoders are then made with
   * their states in its memory.
   */
  private bind(members: { nh: number; lr: number }[], output: { nh: number; lr: number }): WasmEnsemble {
    const specs = this.mapIdx.map((idx, a) => ({ nv: idx.length, nh: members[a]!.nh, lr: members[a]!.lr, idx }));
    const w = new WasmEnsemble(this.opts.n, specs, { nv: specs.length, ...output });
    this.wasm = w;
    this.s1 = w.s1;
    return w;
  }

  toJSON(): KitNETJson {
    if (this.map === null || this.output === null) throw new Error('KitNET: nothing to save before the feature map exists');
    const { featureMap: _unused, ...opts } = this.opts;
    void _unused;
    return {
      opts,
      nTrained: this.nTrained,
      map: this.map,
      ensemble: this.ensemble.map((a) => a.toJSON()),
      output: this.output.toJSON(),
    };
  }

  static fromJSON(j: KitNETJson, where: string): KitNET {
    validateMap(j.map, j.opts.n, `${where}: map`);
    if (j.ensemble.length !== j.map.length) throw new Error(`${where}: ${j.ensemble.length} autoencoders for ${j.map.length} clusters`);
    const k = new KitNET({ ...j.opts, featureMap: j.map });
    k.map = j.map.map((c) => c.slice());
    k.mapIdx = k.map.map((c) => Int32Array.from(c));
    // Validated standalone first; then loaded again with the states in the passes' memory.
    const members = j.ensemble.map((a, i) => {
      const ae = Autoencoder.fromJSON(a, `${where}: ensemble[${i}]`);
      if (ae.nVisible !== j.map[i]!.length) throw new Error(`${where}: ensemble[${i}] has ${ae.nVisible} inputs, cluster has ${j.map[i]!.length}`);
      return ae;
    });
    const output = Autoencoder.fromJSON(j.output, `${where}: output`);
    if (output.nVisible !== j.map.length) throw new Error(`${where}: output layer has ${output.nVisible} inputs for ${j.map.length} clusters`);
    const w = k.bind(members.map((a) => ({ nh: a.nHidden, lr: a.lr })), { nh: output.nHidden, lr: output.lr });
    k.ensemble = j.ensemble.map((a, i) => Autoencoder.fromJSON(a, `${where}: ensemble[${i}]`, w.states[i]!));
    k.output = Autoencoder.fromJSON(j.output, `${where}: output`, w.states[j.map.length]!);
    k.nTrained = j.nTrained;
    return k;
  }
}

function validateMap(map: number[][], n: number, what: string): void {
  if (!Array.isArray(map) || map.length === 0) throw new Error(`${what}: must be a non-empty list of clusters`);
  for (const c of map) {
    if (!Array.isArray(c) || c.length === 0) throw new Error(`${what}: every cluster must be a non-empty list`);
    for (const f of c) if (!Number.isInteger(f) || f < 0 || f >= n) throw new Error(`${what}: feature index ${String(f)} outside 0..${n - 1}`);
  }
}
