/**
 * Feature benchmarks run after the core rows. Add one with an import and an
 * entry: `{ name: 'flows', run: flowsBench }` where bench/flows.ts exports
 * `flowsBench: BenchModule` (see bench/harness.ts).
 */
import type { BenchModule } from './harness.js';
import { flowsBench } from './flows.js';
import { mlBench } from './ml.js';
import { monitorBench } from './monitor.js';

export interface BenchEntry {
  name: string;
  run: BenchModule;
}

export const BENCHES: BenchEntry[] = [
  { name: 'monitor', run: monitorBench },
  { name: 'flows', run: flowsBench },
  { name: 'ml', run: mlBench },
];
