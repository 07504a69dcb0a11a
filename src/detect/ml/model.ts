/**
 * Saving and loading a trained Kitsune model as JSON: layout, AfterImage
 * bounds, KitNET (feature map, every autoencoder's weights and normalisers)
 * and the alert threshold. A model trained on one capture can score another,
 * or live traffic, after a restart.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { LAYOUTS, type Layout } from './afterimage.js';
import { KitNET, type KitNETJson } from './kitnet.js';
import type { LogNormalThreshold } from './threshold.js';

export const MODEL_FORMAT = 'wirewatch-kitsune';
export const MODEL_VERSION = 1;

export interface KitsuneModel {
  layout: Layout;
  kitnet: KitNET;
  threshold: LogNormalThreshold;
}

const finiteOrNull = z.union([z.number(), z.null()]);
const aeSchema = z.object({
  nVisible: z.number().int().min(1),
  nHidden: z.number().int().min(1),
  lr: z.number().positive(),
  n: z.number().int().min(0),
  W: z.array(z.number()),
  hbias: z.array(z.number()),
  vbias: z.array(z.number()),
  normMin: z.array(finiteOrNull),
  normMax: z.array(finiteOrNull),
});
const modelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(MODEL_VERSION),
  layout: z.enum(LAYOUTS as [Layout, ...Layout[]]),
  threshold: z.object({ mu: z.number(), sigma: z.number().min(0), p: z.number().gt(0).lt(1), value: z.number().positive() }),
  kitnet: z.object({
    opts: z.object({
      n: z.number().int().min(1),
      maxAE: z.number().int().min(1),
      fmGrace: z.number().int().min(0),
      adGrace: z.number().int().min(0),
      lr: z.number().positive(),
      hiddenRatio: z.number().positive(),
    }),
    nTrained: z.number().int().min(0),
    map: z.array(z.array(z.number().int().min(0))),
    ensemble: z.array(aeSchema),
    output: aeSchema,
  }),
});

export function modelToJson(m: KitsuneModel): string {
  return JSON.stringify({
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    layout: m.layout,
    threshold: m.threshold,
    kitnet: m.kitnet.toJSON(),
  });
}

export function modelFromJson(text: string, where: string): KitsuneModel {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
  const r = modelSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${where}: not a ${MODEL_FORMAT} v${MODEL_VERSION} model: ${i.path.join('.') || '(top)'}: ${i.message}`);
  }
  const j = r.data;
  const kitnet = KitNET.fromJSON(j.kitnet as KitNETJson, where);
  return { layout: j.layout, kitnet, threshold: j.threshold };
}

export function saveModel(path: string, m: KitsuneModel): void {
  // Write then rename, so a crash never leaves a half-written model behind.
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, modelToJson(m));
  renameSync(tmp, path);
}

export function loadModel(path: string): KitsuneModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`--model ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return modelFromJson(text, `--model ${path}`);
}
