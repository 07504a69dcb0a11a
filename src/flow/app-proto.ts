/**
 * Application protocol of a flow: by payload when a packet shows it (DNS,
 * HTTP, TLS, SSH, QUIC), else by well-known port at export time.
 */
import { App, type Layers } from '../decode/packet.js';

export const AppProto = {
  Unknown: 0,
  Dns: 1,
  Http: 2,
  Tls: 3,
  Ssh: 4,
  Quic: 5,
  Mdns: 6,
  Llmnr: 7,
} as const;

const NAMES = ['', 'dns', 'http', 'tls', 'ssh', 'quic', 'mdns', 'llmnr'];

const BY_PORT = new Map<number, string>([
  [20, 'ftp-data'], [21, 'ftp'], [22, 'ssh'], [23, 'telnet'], [25, 'smtp'], [53, 'dns'], [67, 'dhcp'], [68, 'dhcp'],
  [69, 'tftp'], [80, 'http'], [88, 'kerberos'], [110, 'pop3'], [123, 'ntp'], [137, 'netbios-ns'], [138, 'netbios-dgm'],
  [139, 'smb'], [143, 'imap'], [161, 'snmp'], [162, 'snmp'], [179, 'bgp'], [389, 'ldap'], [443, 'tls'], [445, 'smb'],
  [465, 'smtp'], [500, 'ike'], [514, 'syslog'], [546, 'dhcpv6'], [547, 'dhcpv6'], [587, 'smtp'], [636, 'ldap'],
  [853, 'tls'], [993, 'imap'], [995, 'pop3'], [1194, 'openvpn'], [1433, 'mssql'], [1812, 'radius'], [1883, 'mqtt'],
  [2049, 'nfs'], [3306, 'mysql'], [3389, 'rdp'], [4789, 'vxlan'], [5060, 'sip'], [5353, 'mdns'], [5355, 'llmnr'],
  [5432, 'postgresql'], [5900, 'vnc'], [6379, 'redis'], [6667, 'irc'], [8080, 'http'], [8443, 'tls'], [9200, 'http'],
]);

/**
 * Classifies one packet's payload; returns an AppProto code or Unknown.
 * `b`/`off`/`len` delimit the transport payload bytes present.
 */
export function appFromPayload(l: Layers, b: Uint8Array): number {
  if (l.app === App.Dns) {
    return l.dns.flavour === 'mdns' ? AppProto.Mdns : l.dns.flavour === 'llmnr' ? AppProto.Llmnr : AppProto.Dns;
  }
  if (l.app === App.HttpRequest) return AppProto.Http;
  if (l.app === App.TlsClientHello) return l.tls.overQuic ? AppProto.Quic : AppProto.Tls;
  const off = l.payloadOff;
  const len = Math.min(l.payloadLen, b.length - off);
  if (len < 5) return AppProto.Unknown;
  const c0 = b[off]!;
  if (l.hasTcp) {
    // "SSH-" banner, "HTTP/" response, TLS handshake/alert/appdata record with version 3.x.
    if (c0 === 0x53 && b[off + 1] === 0x53 && b[off + 2] === 0x48 && b[off + 3] === 0x2d) return AppProto.Ssh;
    if (c0 === 0x48 && b[off + 1] === 0x54 && b[off + 2] === 0x54 && b[off + 3] === 0x50 && b[off + 4] === 0x2f) {
      return AppProto.Http;
    }
    if (c0 >= 0x14 && c0 <= 0x17 && b[off + 1] === 3 && b[off + 2]! <= 4) return AppProto.Tls;
    return AppProto.Unknown;
  }
  if (l.hasUdp && len >= 7 && (c0 & 0xc0) === 0xc0) {
    // QUIC long header: version 1, version 2, or an IETF draft (0xff0000xx).
    const v = ((b[off + 1]! << 24) | (b[off + 2]! << 16) | (b[off + 3]! << 8) | b[off + 4]!) >>> 0;
    if (v === 1 || v === 0x6b3343cf || (v >>> 8) === 0xff0000) return AppProto.Quic;
  }
  return AppProto.Unknown;
}

/** Name for export: the payload-detected protocol, else the lower well-known port's name, else "unknown". */
export function appProtoName(code: number, proto: number, sport: number, dport: number): string {
  if (code > 0) return NAMES[code] ?? 'unknown';
  if (proto !== 6 && proto !== 17 && proto !== 132) return 'unknown';
  const a = BY_PORT.get(dport);
  if (a !== undefined) return a;
  return BY_PORT.get(sport) ?? 'unknown';
}
