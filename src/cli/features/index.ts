/**
 * The features a `read` or `capture` run can switch on, in pipeline order:
 * monitor → flow → detect → ml → print. Each module adds its own options and
 * stages; add a new feature here, not in the commands.
 */
import type { Feature } from '../context.js';

export const FEATURES: Feature[] = [];
