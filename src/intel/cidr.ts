/**
 * CIDR matcher for IPv4 and IPv6: a binary trie over the 128-bit word form
 * (IPv4 lives under ::ffff:0:0/96), stored in growable typed arrays. A look-up
 * walks at most one node per prefix bit — O(prefix length), no strings, no
 * allocation — and stops at the first (shortest) covering prefix.
 */
import type { ParsedCidr } from './ip.js';

export class CidrTrie<T> {
  private left: Int32Array<ArrayBufferLike> = new Int32Array(1024);
  private right: Int32Array<ArrayBufferLike> = new Int32Array(1024);
  /** Index into `values` + 1 of a prefix ending at this node (0 = none). */
  private term: Int32Array<ArrayBufferLike> = new Int32Array(1024);
  private nodes = 1;
  private readonly values: T[] = [];
  /** Entries added (duplicates and covered prefixes included). */
  size = 0;

  private grow(): void {
    const n = this.left.length * 2;
    const g = (a: Int32Array<ArrayBufferLike>): Int32Array<ArrayBufferLike> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.left = g(this.left);
    this.right = g(this.right);
    this.term = g(this.term);
  }

  add(c: ParsedCidr, value: T): void {
    let node = 0;
    for (let b = 0; b < c.bits; b++) {
      if (this.term[node] !== 0) return; // a shorter prefix already covers it
      const bit = (c.words[b >>> 5]! >>> (31 - (b & 31))) & 1;
      const arr = bit === 0 ? this.left : this.right;
      let next = arr[node]!;
      if (next === 0) {
        if (this.nodes >= this.left.length) this.grow();
        next = this.nodes++;
        (bit === 0 ? this.left : this.right)[node] = next;
      }
      node = next;
    }
    if (this.term[node] === 0) {
      this.values.push(value);
      this.term[node] = this.values.length;
      // Longer prefixes below are now redundant; cut them off.
      this.left[node] = 0;
      this.right[node] = 0;
    }
    this.size++;
  }

  /** Value of the prefix covering the address (four words), or undefined. */
  lookupWords(w: ArrayLike<number>): T | undefined {
    let node = 0;
    for (let b = 0; b < 128; b++) {
      const t = this.term[node]!;
      if (t !== 0) return this.values[t - 1];
      const bit = (w[b >>> 5]! >>> (31 - (b & 31))) & 1;
      node = bit === 0 ? this.left[node]! : this.right[node]!;
      if (node === 0) return undefined;
    }
    const t = this.term[node]!;
    return t !== 0 ? this.values[t - 1] : undefined;
  }

  /** IPv4 fast path: starts at the ::ffff:0:0/96 subtree. */
  lookupV4(v: number): T | undefined {
    let node = this.v4Root();
    if (node < 0) return undefined;
    for (let b = 0; b < 32; b++) {
      const t = this.term[node]!;
      if (t !== 0) return this.values[t - 1];
      node = ((v >>> (31 - b)) & 1) === 0 ? this.left[node]! : this.right[node]!;
      if (node === 0) return undefined;
    }
    const t = this.term[node]!;
    return t !== 0 ? this.values[t - 1] : undefined;
  }

  private v4RootCache = -2;
  private v4RootNodes = -1;
  /** Node of ::ffff:0:0/96 (cached until the trie changes); -1 when absent. */
  private v4Root(): number {
    if (this.v4RootNodes === this.nodes) return this.v4RootCache;
    let node = 0;
    for (let b = 0; b < 96 && node >= 0; b++) {
      if (this.term[node] !== 0) break;
      const bit = b >= 80 ? 1 : 0;
      const next = bit === 0 ? this.left[node]! : this.right[node]!;
      node = next === 0 ? -1 : next;
    }
    this.v4RootCache = node;
    this.v4RootNodes = this.nodes;
    return node;
  }

  /** Nodes in use (memory is 12 bytes per node). */
  get nodeCount(): number {
    return this.nodes;
  }
}
