/**
 * Name-only DNS rules shared by the live detector and the offline evaluation:
 * the prototype's three heuristics (kept exactly) and the tunnelling shape
 * test of a single query name.
 */
import type { DetectConfig } from './config.js';
import { countVowels, } from './detector.js';
import { entropyBits, type NameParts, registeredDomain } from './dns-model.js';

type ProtoCfg = DetectConfig['dns']['prototype'];
type TunnelCfg = DetectConfig['dns']['tunnel'];

/** Which prototype heuristic a name trips, or null. Order as in the prototype. */
export function prototypeDnsReason(name: string, cfg: ProtoCfg): string | null {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = n.split('.');
  for (const l of labels) {
    if (l.length >= cfg.minLabelLength && countVowels(l) <= cfg.maxVowels) return `label "${l}" has ${l.length} chars and ${countVowels(l)} vowels`;
  }
  const lower = n.toLowerCase();
  for (const s of cfg.suffixes) if (lower.endsWith(s.toLowerCase())) return `name ends in ${s}`;
  if (n.length > cfg.maxNameLength) return `name length ${n.length} > ${cfg.maxNameLength}`;
  return null;
}

export interface TunnelShape {
  reason: string;
  registered: string;
  subdomain: string;
  longestLabel: number;
  entropy: number;
}

const HEX = /^[0-9a-f]+$/i;
const BASE32 = /^[a-z2-7]+$/i;

/** Tests one query name for encoded data below its registered domain (`parts`: nameParts of the name, when the caller has it). */
export function tunnelShape(name: string, cfg: TunnelCfg, parts: NameParts | null = null): TunnelShape | null {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const registered = parts !== null && parts.name === n ? parts.registered : registeredDomain(n);
  if (n.length <= registered.length + 1) return null;
  const subdomain = n.slice(0, n.length - registered.length - 1);
  let longest = 0;
  let encodedLabel = '';
  let encodedEntropy = 0;
  for (const l of subdomain.split('.')) {
    if (l.length > longest) longest = l.length;
    if (l.length >= cfg.encodedMinLength) {
      const h = entropyBits(l);
      // Hex and base32 alphabets cap entropy at 4 and 5 bits, so they get their own test.
      if (h >= cfg.entropyBits || (HEX.test(l) && /[0-9]/.test(l) && /[a-f]/i.test(l)) || (BASE32.test(l) && /[2-7]/.test(l) && h >= 3.2)) {
        encodedLabel = l;
        encodedEntropy = h;
      }
    }
  }
  let reason: string | null = null;
  if (longest >= cfg.longLabel) reason = `label of ${longest} chars >= ${cfg.longLabel}`;
  else if (subdomain.length >= cfg.longSubdomain) reason = `subdomain of ${subdomain.length} chars >= ${cfg.longSubdomain}`;
  else if (encodedLabel !== '') reason = `encoded label (${encodedLabel.length} chars, ${encodedEntropy.toFixed(2)} bits/char)`;
  if (reason === null) return null;
  // Evidence only: most names are not tunnel-like, so the entropy is computed for those that are.
  return { reason, registered, subdomain, longestLabel: longest, entropy: Math.round(entropyBits(subdomain) * 100) / 100 };
}
