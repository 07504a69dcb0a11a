/**
 * Every alert wirewatch raises, with a stable signature id (like Suricata's
 * sid; ours live in 9_100_000+ so they never clash with ET/Suricata rules).
 */
import type { Signature } from './detector.js';

const sig = (id: number, name: string, category: string, severity: 1 | 2 | 3): Signature => ({ id, name, category, severity });

export const SIG = {
  // prototype rule set (the original four filters, unchanged semantics)
  protoPacketSize: sig(9100001, 'Unusual Packet Size', 'Potentially Bad Traffic', 3),
  protoSuspiciousDns: sig(9100002, 'Suspicious DNS Query', 'Potentially Bad Traffic', 3),
  protoPortScan: sig(9100003, 'Port Scan', 'Attempted Information Leak', 2),
  // intel (names kept from the prototype)
  maliciousSrc: sig(9100010, 'Dynamic Malicious Source IP', 'Known Bad Host', 1),
  maliciousDst: sig(9100011, 'Dynamic Malicious Destination IP', 'Known Bad Host', 1),
  listedSrc: sig(9100012, 'Blocklisted Source IP', 'Known Bad Host', 1),
  listedDst: sig(9100013, 'Blocklisted Destination IP', 'Known Bad Host', 1),
  // packet size, sound version
  ipLongerThanFrame: sig(9100020, 'IP Total Length Exceeds Frame', 'Protocol Anomaly', 3),
  ipAboveMtu: sig(9100021, 'IP Packet Larger Than Link MTU', 'Protocol Anomaly', 3),
  frameTrailer: sig(9100022, 'Data After IP Packet In Frame', 'Protocol Anomaly', 3),
  ipBelowHeaders: sig(9100023, 'IP Total Length Below Header Size', 'Protocol Anomaly', 3),
  // DNS
  dgaName: sig(9100030, 'DGA-like DNS Query Name', 'Potential Malware Command and Control', 2),
  dnsTunnelQuery: sig(9100031, 'DNS Tunnelling: Encoded Query Name', 'Potential Data Exfiltration', 2),
  dnsTunnelSubdomains: sig(9100032, 'DNS Tunnelling: Many Unique Subdomains', 'Potential Data Exfiltration', 2),
  dnsTunnelTxtNull: sig(9100033, 'DNS Tunnelling: Many TXT/NULL Records', 'Potential Data Exfiltration', 2),
  nxdomainBurst: sig(9100034, 'NXDOMAIN Burst', 'Potential Malware Command and Control', 2),
  // scans
  verticalScan: sig(9100040, 'Port Scan (vertical)', 'Attempted Information Leak', 2),
  horizontalScan: sig(9100041, 'Port Sweep (horizontal)', 'Attempted Information Leak', 2),
  // floods
  synFlood: sig(9100050, 'SYN Flood', 'Denial of Service', 1),
  udpFlood: sig(9100051, 'UDP Flood', 'Denial of Service', 1),
  icmpFlood: sig(9100052, 'ICMP Flood', 'Denial of Service', 1),
  amplification: sig(9100053, 'UDP Amplification', 'Denial of Service', 1),
  tcpReflection: sig(9100054, 'TCP Reflection (SYN-ACK/RST backscatter)', 'Denial of Service', 1),
} as const;
