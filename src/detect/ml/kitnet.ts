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
import { ensembleSteps, type EnsembleSteps } from './ensemble-steps.js';

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
  private s1 = new Float64Array(0);
  /** The output layer's RMSE of the last frame. */
  private readonly score = new Float64Array(1);
  /** The per-frame passes over ensemble and output (bound once the autoencoders exist). */
  private steps: EnsembleSteps | null = null;
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
      this.steps!.train(x);
      this.onTrainScore?.(this.score[0]!);
    }
    this.nTrained++;
  }

  /** Scores x with the trained model (no learning). */
  execute(x: Float64Array): number {
    if (this.output === null) throw new Error('KitNET: no feature map yet (still in the feature-mapping grace period)');
    this.nExecuted++;
    this.steps!.execute(x);
    return this.score[0]!;
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
    this.ensemble = this.map.map((c) => new Autoencoder(c.length, hiddenUnits(c.length, hiddenRatio), lr));
    this.output = new Autoencoder(this.map.length, hiddenUnits(this.map.length, hiddenRatio), lr);
    this.s1 = new Float64Array(this.map.length);
    this.steps = ensembleSteps(this.ensemble, this.mapIdx, this.output, this.s1, this.score);
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
    k.ensemble = j.ensemble.map((a, i) => {
      const ae = Autoencoder.fromJSON(a, `${where}: ensemble[${i}]`);
      if (ae.nVisible !== j.map[i]!.length) throw new Error(`${where}: ensemble[${i}] has ${ae.nVisible} inputs, cluster has ${j.map[i]!.length}`);
      return ae;
    });
    k.output = Autoencoder.fromJSON(j.output, `${where}: output`);
    if (k.output.nVisible !== j.map.length) throw new Error(`${where}: output layer has ${k.output.nVisible} inputs for ${j.map.length} clusters`);
    k.s1 = new Float64Array(j.map.length);
    k.steps = ensembleSteps(k.ensemble, k.mapIdx, k.output, k.s1, k.score);
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
