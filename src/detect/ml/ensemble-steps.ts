/**
 * One KitNET frame's autoencoder passes as a driver generated per model: every
 * member's kernel (ae-kernel.ts) is called from a call site of its own, with
 * its state, feature indexes and learning rate bound once. A loop over the
 * members has one call site that sees every size's kernel, a megamorphic call
 * per autoencoder; here each site sees one target, so V8 calls it directly.
 * The passes run in the loop's order and do the same arithmetic.
 *
 * The generated source holds only member indexes; the members are arguments.
 */
import type { Autoencoder } from './autoencoder.js';

export interface EnsembleSteps {
  /** Trains every member on x, then the output layer on their RMSEs (s1); score[0] = the output layer's RMSE. */
  train: (x: Float64Array) => void;
  /** Scores x: s1 = the members' RMSEs, score[0] = the output layer's. */
  execute: (x: Float64Array) => void;
}

export function ensembleSteps(
  members: readonly Autoencoder[],
  featureIdx: readonly Int32Array[],
  output: Autoencoder,
  s1: Float64Array,
  score: Float64Array,
): EnsembleSteps {
  if (featureIdx.length !== members.length) throw new Error(`ensembleSteps: ${members.length} members, ${featureIdx.length} index lists`);
  const all = [...members, output];
  const idx = [...featureIdx, output.identity];
  const bind: string[] = [];
  const train: string[] = [];
  const execute: string[] = [];
  for (let a = 0; a < all.length; a++) {
    bind.push(`const m${a} = M[${a}], t${a} = m${a}.kernels.train, e${a} = m${a}.kernels.execute, st${a} = m${a}.state, i${a} = I[${a}], r${a} = m${a}.lr;`);
    const input = a < members.length ? 'x' : 's1';
    const out = a < members.length ? `s1, ${a}` : 'score, 0';
    train.push(`m${a}.n++; t${a}(${input}, i${a}, st${a}, r${a}, ${out});`);
    execute.push(`e${a}(${input}, i${a}, st${a}, ${out});`);
  }
  const body = `'use strict';\n${bind.join('\n')}\nreturn {\n  train: function trainEnsemble(x) {\n    ${train.join('\n    ')}\n  },\n` +
    `  execute: function executeEnsemble(x) {\n    ${execute.join('\n    ')}\n  },\n};`;
  const make = new Function('M', 'I', 's1', 'score', body) as (m: Autoencoder[], i: Int32Array[], s1: Float64Array, score: Float64Array) => EnsembleSteps;
  return make(all, idx, s1, score);
}
