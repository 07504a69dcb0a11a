/** Entering the inner packet of a tunnel: depth guard and reuse of the preallocated chain. */
import { MAX_TUNNEL_DEPTH, type EncapKind, type Layers } from '../packet.js';

/**
 * Returns the reset inner Layers of `l` marked as reached through `encap`, or
 * null (with `l` marked malformed) when the nesting limit is reached.
 */
export function enterTunnel(l: Layers, encap: EncapKind, depth: number, layer: string): Layers | null {
  const inner = l.inner;
  if (inner === null || depth >= MAX_TUNNEL_DEPTH) {
    l.fail(layer, 'too many layers');
    return null;
  }
  inner.reset();
  l.encap = encap;
  return inner;
}
