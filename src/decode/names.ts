/**
 * Names for numbers, for printing at the edge (never used on the hot path).
 * Spelling follows Wireshark/IANA so output reads like tshark's.
 */

const IP_PROTO: Record<number, string> = {
  0: 'HOPOPT', 1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 8: 'EGP', 9: 'IGP', 17: 'UDP', 27: 'RDP',
  33: 'DCCP', 41: 'IPv6', 43: 'IPv6-Route', 44: 'IPv6-Frag', 46: 'RSVP', 47: 'GRE', 50: 'ESP', 51: 'AH',
  58: 'ICMPv6', 59: 'IPv6-NoNxt', 60: 'IPv6-Opts', 88: 'EIGRP', 89: 'OSPF', 94: 'IPIP', 97: 'EtherIP',
  103: 'PIM', 108: 'IPComp', 112: 'VRRP', 115: 'L2TP', 132: 'SCTP', 135: 'Mobility', 136: 'UDPLite',
  137: 'MPLS-in-IP', 139: 'HIP', 140: 'Shim6', 143: 'Ethernet', 255: 'Reserved',
};

/** IANA keyword for an IP protocol number ("TCP", "UDP", "ICMPv6"...), or "proto-N". */
export function ipProtoName(p: number): string {
  return IP_PROTO[p] ?? `proto-${p}`;
}

const ETHER_TYPE: Record<number, string> = {
  0x0800: 'IPv4', 0x0806: 'ARP', 0x8035: 'RARP', 0x86dd: 'IPv6', 0x8100: '802.1Q', 0x88a8: '802.1ad',
  0x9100: 'QinQ', 0x8847: 'MPLS', 0x8848: 'MPLS-multicast', 0x8863: 'PPPoE-Discovery', 0x8864: 'PPPoE-Session',
  0x88cc: 'LLDP', 0x888e: 'EAPOL', 0x6558: 'TEB', 0x88be: 'ERSPAN', 0x22eb: 'ERSPAN-III', 0x8926: 'VN-Tag',
  0x88e5: 'MACsec', 0x8809: 'Slow-Protocols', 0x9000: 'Loopback', 0x22f0: 'AVTP', 0x88f7: 'PTP',
};

/** Name of an EtherType, or its hex value. */
export function etherTypeName(t: number): string {
  return ETHER_TYPE[t] ?? `0x${t.toString(16).padStart(4, '0')}`;
}

const ICMP4_TYPE: Record<number, string> = {
  0: 'Echo (ping) reply', 3: 'Destination unreachable', 4: 'Source quench', 5: 'Redirect',
  8: 'Echo (ping) request', 9: 'Router advertisement', 10: 'Router solicitation', 11: 'Time-to-live exceeded',
  12: 'Parameter problem', 13: 'Timestamp request', 14: 'Timestamp reply', 15: 'Information request',
  16: 'Information reply', 17: 'Address mask request', 18: 'Address mask reply', 30: 'Traceroute',
  40: 'Photuris', 42: 'Extended Echo request', 43: 'Extended Echo reply',
};

const ICMP4_UNREACH: Record<number, string> = {
  0: 'Network unreachable', 1: 'Host unreachable', 2: 'Protocol unreachable', 3: 'Port unreachable',
  4: 'Fragmentation needed', 5: 'Source route failed', 6: 'Destination network unknown',
  7: 'Destination host unknown', 8: 'Source host isolated', 9: 'Network administratively prohibited',
  10: 'Host administratively prohibited', 11: 'Network unreachable for TOS', 12: 'Host unreachable for TOS',
  13: 'Communication administratively filtered', 14: 'Host precedence violation', 15: 'Precedence cutoff in effect',
};

const ICMP4_REDIRECT: Record<number, string> = {
  0: 'Redirect for network', 1: 'Redirect for host', 2: 'Redirect for TOS and network', 3: 'Redirect for TOS and host',
};

const ICMP4_TIME: Record<number, string> = { 0: 'Time to live exceeded in transit', 1: 'Fragment reassembly time exceeded' };

/** ICMP (v4) type name. */
export function icmpTypeName(type: number): string {
  return ICMP4_TYPE[type] ?? `Type ${type}`;
}

/** ICMP (v4) code name for the types whose codes have names, else "". */
export function icmpCodeName(type: number, code: number): string {
  const table = type === 3 ? ICMP4_UNREACH : type === 5 ? ICMP4_REDIRECT : type === 11 ? ICMP4_TIME : null;
  return table === null ? '' : (table[code] ?? `Code ${code}`);
}

const ICMP6_TYPE: Record<number, string> = {
  1: 'Destination Unreachable', 2: 'Packet Too Big', 3: 'Time Exceeded', 4: 'Parameter Problem',
  128: 'Echo (ping) request', 129: 'Echo (ping) reply', 130: 'Multicast Listener Query',
  131: 'Multicast Listener Report', 132: 'Multicast Listener Done', 133: 'Router Solicitation',
  134: 'Router Advertisement', 135: 'Neighbor Solicitation', 136: 'Neighbor Advertisement', 137: 'Redirect',
  138: 'Router Renumbering', 139: 'ICMP Node Information Query', 140: 'ICMP Node Information Response',
  141: 'Inverse Neighbor Discovery Solicitation', 142: 'Inverse Neighbor Discovery Advertisement',
  143: 'Multicast Listener Report Message v2', 144: 'Home Agent Address Discovery Request',
  145: 'Home Agent Address Discovery Reply', 146: 'Mobile Prefix Solicitation', 147: 'Mobile Prefix Advertisement',
  151: 'Multicast Router Advertisement', 152: 'Multicast Router Solicitation', 153: 'Multicast Router Termination',
  155: 'RPL Control', 160: 'Extended Echo request', 161: 'Extended Echo reply',
};

const ICMP6_UNREACH: Record<number, string> = {
  0: 'no route to destination', 1: 'communication with destination administratively prohibited',
  2: 'beyond scope of source address', 3: 'address unreachable', 4: 'port unreachable',
  5: 'source address failed ingress/egress policy', 6: 'reject route to destination',
};

/** ICMPv6 type name. */
export function icmp6TypeName(type: number): string {
  return ICMP6_TYPE[type] ?? `Type ${type}`;
}

/** ICMPv6 code name where codes have names (destination unreachable, time exceeded), else "". */
export function icmp6CodeName(type: number, code: number): string {
  if (type === 1) return ICMP6_UNREACH[code] ?? `Code ${code}`;
  if (type === 3) return code === 0 ? 'hop limit exceeded in transit' : code === 1 ? 'fragment reassembly time exceeded' : `Code ${code}`;
  return '';
}

/** ARP opcode name. */
export function arpOpName(op: number): string {
  switch (op) {
    case 1: return 'request';
    case 2: return 'reply';
    case 3: return 'reverse request';
    case 4: return 'reverse reply';
    default: return `opcode ${op}`;
  }
}
