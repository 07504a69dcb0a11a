/**
 * Addresses that must never be sent to a reputation service: private,
 * loopback, link-local, shared (CGN), documentation, benchmarking,
 * multicast, reserved (IANA special-purpose registries, RFC 6890 and updates).
 */
import { CidrTrie } from './cidr.js';
import { parseCidr } from './ip.js';

const SPECIAL = [
  // IPv4
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
  '224.0.0.0/4', '240.0.0.0/4',
  // IPv6
  '::/128', '::1/128', '64:ff9b:1::/48', '100::/64', '2001::/23', '2001:db8::/32', '2002::/16', '3fff::/20',
  'fc00::/7', 'fe80::/10', 'ff00::/8',
];

let trie: CidrTrie<string> | null = null;
/**
 * First octets an IPv4 block of SPECIAL starts with (1) or not (0): most
 * public addresses are ruled out by one table read, without walking the
 * trie, whose nodes are cold by the time a new address comes along.
 */
const v4FirstOctet = new Uint8Array(256);

function special(): CidrTrie<string> {
  if (trie === null) {
    trie = new CidrTrie<string>();
    for (const c of SPECIAL) {
      const cidr = parseCidr(c)!;
      trie.add(cidr, c);
      if (cidr.version !== 4) continue;
      // An IPv4 block is ::ffff:a.b.c.d/(96 + prefix): its first octets are those of the last word's top byte.
      const prefix = cidr.bits - 96;
      const first = cidr.words[3]! >>> 24;
      v4FirstOctet.fill(1, first, first + (prefix >= 8 ? 1 : 2 ** (8 - prefix)));
    }
  }
  return trie;
}

/** The special-purpose block covering the address (four words), or undefined when it is public. */
export function specialBlockWords(w: ArrayLike<number>): string | undefined {
  return special().lookupWords(w);
}

export function specialBlockV4(v: number): string | undefined {
  // special() first: it fills the first-octet table, all zero (every address public) until then.
  const t = special();
  return v4FirstOctet[v >>> 24] === 0 ? undefined : t.lookupV4(v);
}
