/**
 * The shared train / calibration / test split of ../shared/datasets/dns/, by
 * registered domain (never by line), used by train-dns-model.ts and eval-dns.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { domainBucket, registeredDomain } from '../src/detect/dns-model.js';

export type Fold = 'train' | 'calib' | 'test';

/** Buckets 0-69 train, 70-79 calibrate the threshold, 80-99 test. */
export function foldOf(name: string): Fold {
  const b = domainBucket(registeredDomain(name));
  return b < 70 ? 'train' : b < 80 ? 'calib' : 'test';
}

export const SPLIT_DESCRIPTION = 'FNV-1a(registered domain) % 100: 0-69 train, 70-79 calibration, 80-99 test';

export interface Labelled {
  name: string;
  /** 'benign' or the DGA family. */
  family: string;
  dga: boolean;
}

export function readDataset(dir: string): { benign: Labelled[]; dga: Labelled[]; benignSha: string } {
  const benignText = readFileSync(`${dir}/benign.txt`, 'utf8');
  const benign = benignText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((name) => ({ name, family: 'benign', dga: false }));
  const dga = readFileSync(`${dir}/dga.txt`, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => {
      const [name, family] = l.split('\t');
      return { name: name!.trim(), family: (family ?? 'unknown').trim(), dga: true };
    });
  return { benign, dga, benignSha: createHash('sha256').update(benignText).digest('hex') };
}
