/**
 * The ML feature of `read` and `capture` (docs/ml.md): `--ml kitsune` runs
 * Kitsune (AfterImage features into the KitNET autoencoder ensemble) on every
 * packet and alerts on anomalous scores; `--ml volume` runs the EWMA z-score
 * detector on per-second volume metrics; `--ml kitsune,volume` runs both.
 * Alerts go through the same EVE outputs as the detection feature's.
 */
import { existsSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { LAYOUTS, type Layout } from '../../detect/ml/afterimage.js';
import { DEFAULT_KITNET } from '../../detect/ml/kitnet.js';
import { KitsuneStage } from '../../detect/ml/kitsune-stage.js';
import { loadModel, type KitsuneModel } from '../../detect/ml/model.js';
import { DEFAULT_BOUNDS, EXACT_BOUNDS } from '../../detect/ml/streams.js';
import { DEFAULT_VOLUME, VolumeStage } from '../../detect/ml/volume.js';
import type { Stage } from '../../pipeline.js';
import { UsageError, type Feature, type RunContext } from '../context.js';

const KINDS = ['kitsune', 'volume'] as const;
type MlKind = (typeof KINDS)[number];

function parseKinds(value: string): MlKind[] {
  const parts = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new InvalidArgumentError(`expected ${KINDS.join(', ')} or a comma-separated list of them.`);
  for (const p of parts) {
    if (!(KINDS as readonly string[]).includes(p)) throw new InvalidArgumentError(`unknown detector "${p}" (use ${KINDS.join(', ')}, or a comma-separated list).`);
  }
  return parts as MlKind[];
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 1_000_000_000) {
    throw new InvalidArgumentError('expected an integer from 0 to 1000000000.');
  }
  return n;
}

function parseMaxAE(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 100) throw new InvalidArgumentError('expected an integer from 1 to 100.');
  return n;
}

function parseProbability(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 0.5)) throw new InvalidArgumentError('expected a probability between 0 and 0.5 (e.g. 0.0001).');
  return n;
}

function parseFile(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a file path.');
  return value;
}

export const mlFeature: Feature = {
  name: 'ml',
  order: 40,
  addOptions(cmd: Command): void {
    cmd
      .option('--ml <detectors>', 'ML/statistical anomaly detection: kitsune (autoencoder ensemble), volume (EWMA z-scores), or both: kitsune,volume', parseKinds)
      .option('--fm-grace <n>', `kitsune: packets to learn the feature map (default ${DEFAULT_KITNET.fmGrace})`, parseCount)
      .option('--ad-grace <n>', `kitsune: packets to train the autoencoders after that (default ${DEFAULT_KITNET.adGrace})`, parseCount)
      .option('--max-ae <n>', `kitsune: most features per autoencoder (default ${DEFAULT_KITNET.maxAE})`, parseMaxAE)
      .option('--scores <file>', 'kitsune: write "frame,score" for every packet to FILE (CSV; 0 while training)', parseFile)
      .option('--model <file>', 'kitsune: load a trained model from FILE if it exists, else train and save it there', parseFile)
      .addOption(new Option('--ml-layout <layout>', 'kitsune: feature layout (100 of Kitsune-py, or the paper\'s 115)').choices(LAYOUTS).default('kitsune100'))
      .option('--ml-exact', 'kitsune: keep all AfterImage state forever, as the reference (slower; unbounded memory)')
      .option('--ml-alert-p <p>', 'kitsune: alert when the score\'s upper-tail probability under the training log-normal is below P (default 0.0001)', parseProbability);
  },
  createStages(ctx: RunContext): Stage[] {
    const o = ctx.opts;
    const kinds = (o.ml as MlKind[] | undefined) ?? [];
    const usesKitsuneOpts = ['fmGrace', 'adGrace', 'maxAe', 'scores', 'model', 'mlExact', 'mlAlertP'].some((k) => o[k] !== undefined);
    if (!kinds.includes('kitsune')) {
      if (usesKitsuneOpts) throw new UsageError('--fm-grace/--ad-grace/--max-ae/--scores/--model/--ml-exact/--ml-alert-p need --ml kitsune');
    }
    const stages: Stage[] = [];
    if (kinds.includes('kitsune')) {
      let model: KitsuneModel | null = null;
      let saveTo: string | null = null;
      if (typeof o.model === 'string') {
        if (existsSync(o.model)) {
          try {
            model = loadModel(o.model);
          } catch (e) {
            throw new UsageError((e as Error).message);
          }
          ctx.log(`kitsune: loaded model ${o.model} (${model.kitnet.map!.length} autoencoders, threshold ${model.threshold.value.toPrecision(6)}); no training`);
        } else saveTo = o.model;
      }
      let stage: KitsuneStage;
      try {
        stage = new KitsuneStage({
          bus: ctx.bus,
          log: ctx.log,
          layout: (o.mlLayout as Layout | undefined) ?? 'kitsune100',
          bounds: o.mlExact === true ? EXACT_BOUNDS : DEFAULT_BOUNDS,
          maxAE: (o.maxAe as number | undefined) ?? DEFAULT_KITNET.maxAE,
          fmGrace: (o.fmGrace as number | undefined) ?? DEFAULT_KITNET.fmGrace,
          adGrace: (o.adGrace as number | undefined) ?? DEFAULT_KITNET.adGrace,
          lr: DEFAULT_KITNET.lr,
          hiddenRatio: DEFAULT_KITNET.hiddenRatio,
          alertP: (o.mlAlertP as number | undefined) ?? 1e-4,
          model,
          saveTo,
          scoresFile: typeof o.scores === 'string' ? o.scores : null,
          suppressSec: 60,
        });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      ctx.onClose(() => {
        const s = stage.stats();
        ctx.log(`kitsune: ${s.packets} packets, ${s.executed} scored, ${s.alertsPublished} alert(s) published (${s.alertsRaised} above threshold), state ${s.streams} streams / ${s.links} links`);
      });
      stages.push(stage);
    }
    if (kinds.includes('volume')) stages.push(new VolumeStage({ bus: ctx.bus, ...DEFAULT_VOLUME }));
    return stages;
  },
};
