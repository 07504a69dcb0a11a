/**
 * The features a `read` or `capture` run can switch on, in pipeline order:
 * monitor → flow → detect → ml → print. Each module adds its own options and
 * stages; add a new feature here, not in the commands.
 */
import type { Feature } from '../context.js';
import { flowsFeature } from './flows.js';
import { detectFeature } from './detect.js';
import { mlFeature } from './ml.js';
import { monitorFeature } from './monitor.js';
import { webFeature } from './web.js';

// Each feature module adds itself to this list with one import and one entry.
const ALL: Feature[] = [flowsFeature, detectFeature, mlFeature, monitorFeature, webFeature];

/** Features sorted by their position in the packet path. */
export const FEATURES: readonly Feature[] = ALL.sort((a, b) => a.order - b.order);
