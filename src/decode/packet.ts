/**
 * The Packet model: one reusable object per pipeline, refilled for every frame
 * by the decoder. Fields are scalars or preallocated typed arrays so that the
 * common path allocates nothing; strings (DNS names, SNI, HTTP fields) are
 * produced only for packets that carry them.
 *
 * Layout follows gopacket's DecodingLayerParser idea: a fixed set of layer
 * slots, each with a `has*` flag. A tunnel (GRE, IP-in-IP, VXLAN...) decodes
 * its inner packet into `inner` (a preallocated `Layers` chain); the outermost
 * layers stay at the top. ICMP error messages decode the quoted IP header into
 * `quoted`, which is *not* part of the tunnel chain.
 *
 * All offsets are byte offsets into `Packet.data`. Everything is valid only
 * during the stage callback: copy what you keep.
 */

import { ViewMaker } from '../util/view-maker.js';
import { l4ChecksumStatus } from './net/l4-checksum.js';
import { ja3Hash, ja3String } from './app/ja3.js';
import { ja4 } from './app/ja4.js';
import { sumWords, verifies } from './checksum.js';
import { MAX_SACK, TcpOptions, walkTcpOptions } from './transport/tcp-options.js';
import { dnsNameAt, dnsRdataAt } from './app/dns-text.js';
import { latin1, readHostAndAgent } from './app/http-fields.js';

/** Checksum verification result. */
export const Csum = {
  /** Not checked (layer absent, or checksum not applicable). */
  None: 0,
  Good: 1,
  Bad: 2,
  /** Not verifiable: the packet is truncated (caplen < what the checksum covers). */
  Unverifiable: 3,
  /** UDP over IPv4 with checksum 0 (sender did not compute one). */
  Zero: 4,
} as const;
export type CsumStatus = (typeof Csum)[keyof typeof Csum];

/** Which application-layer decoder filled the app fields. */
export const App = {
  None: 0,
  Dns: 1,
  TlsClientHello: 2,
  HttpRequest: 3,
} as const;
export type AppKind = (typeof App)[keyof typeof App];

/** TCP flag bits as in the 12-bit flags field (AE is bit 8, RFC 9768 / AccECN). */
export const TcpFlag = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  AE: 0x100,
} as const;

/** How the inner packet of a Layers object was reached. */
export const Encap = {
  None: 0,
  Gre: 1,
  IpInIp: 2,
  Vxlan: 3,
  Geneve: 4,
  /** MPLS Ethernet pseudowire (control word + Ethernet). */
  Pseudowire: 5,
  /** GTP-U (UDP 2152) G-PDU. */
  Gtp: 6,
  /** Teredo (UDP 3544, RFC 4380). */
  Teredo: 7,
  /** AYIYA (UDP 5072). */
  Ayiya: 8,
  /** MPLS over UDP (UDP 6635, RFC 7510). */
  MplsOverUdp: 9,
} as const;
export type EncapKind = (typeof Encap)[keyof typeof Encap];

const EMPTY = new Uint8Array(0);

export const MAX_VLAN = 4;
export const MAX_MPLS = 8;
export { MAX_SACK };
/** Maximum tunnel nesting depth we decode (deeper is flagged malformed). */
export const MAX_TUNNEL_DEPTH = 4;

/** IPv6 extension header bits in `Layers.ip6Ext`. */
export const Ip6Ext = {
  HopByHop: 1 << 0,
  Routing: 1 << 1,
  Fragment: 1 << 2,
  DestOpts: 1 << 3,
  Ah: 1 << 4,
  Esp: 1 << 5,
  Mobility: 1 << 6,
  NoNext: 1 << 7,
} as const;

export class DnsRecord {
  type = 0;
  cls = 0;
  ttl = 0;
  /**
   * Owner name in tshark's text (see dns-name.ts). The decoder checks the
   * record and remembers where it is (defer); the text is made on first read,
   * so stages that never look at names (decode-only, flows of non-DNS
   * traffic) do not build strings for every record.
   */
  get name(): string {
    if (this.namePending) {
      this.namePending = false;
      this.nameText = dnsNameAt(this.src, this.msgOff, this.msgEnd, this.nameOff);
    }
    return this.nameText;
  }
  set name(v: string) {
    this.namePending = false;
    this.nameText = v;
  }
  /** Presentation form of the RDATA ("1.2.3.4", "10 mx.example" — names without the trailing dot, as tshark; `\# len hex` for unknown types). */
  get data(): string {
    if (this.dataPending) {
      this.dataPending = false;
      this.dataText = dnsRdataAt(this.src, this.msgOff, this.msgEnd, this.rdOff, this.rdLen, this);
    }
    return this.dataText;
  }
  set data(v: string) {
    this.dataPending = false;
    this.dataText = v;
  }
  /**
   * The record's name is at `nameOff` and (when `rdLen` >= 0) its RDATA at
   * `rdOff` of the message b[msgOff, msgEnd), already checked by the decoder:
   * name and data are rendered from there when first read.
   */
  defer(b: Uint8Array, msgOff: number, msgEnd: number, nameOff: number, rdOff: number, rdLen: number): void {
    this.src = b;
    this.msgOff = msgOff;
    this.msgEnd = msgEnd;
    this.nameOff = nameOff;
    this.rdOff = rdOff;
    this.rdLen = rdLen;
    this.namePending = true;
    this.dataPending = rdLen >= 0;
    if (rdLen < 0) this.dataText = '';
  }
  private namePending = false;
  private dataPending = false;
  private nameText = '';
  private dataText = '';
  private src: Uint8Array = EMPTY;
  private msgOff = 0;
  private msgEnd = 0;
  private nameOff = 0;
  private rdOff = 0;
  private rdLen = 0;
}

/** A decoded DNS message. Arrays are reused; `*Count` fields say how many entries are valid. */
export class DnsMessage {
  id = 0;
  flags = 0;
  qr = false;
  opcode = 0;
  aa = false;
  tc = false;
  rd = false;
  ra = false;
  rcode = 0;
  /** Header counts as sent (may exceed what could be decoded). */
  qdcount = 0;
  ancount = 0;
  nscount = 0;
  arcount = 0;
  /** Transport: 'udp' | 'tcp'; and flavour: 'dns' | 'mdns' | 'llmnr'. */
  transport: 'udp' | 'tcp' = 'udp';
  flavour: 'dns' | 'mdns' | 'llmnr' = 'dns';
  questions: DnsRecord[] = [];
  answers: DnsRecord[] = [];
  authority: DnsRecord[] = [];
  additional: DnsRecord[] = [];
  questionCount = 0;
  answerCount = 0;
  authorityCount = 0;
  additionalCount = 0;
  reset(): void {
    this.id = this.flags = this.opcode = this.rcode = 0;
    this.qr = this.aa = this.tc = this.rd = this.ra = false;
    this.qdcount = this.ancount = this.nscount = this.arcount = 0;
    this.questionCount = this.answerCount = this.authorityCount = this.additionalCount = 0;
  }
}

export class TlsClientHello {
  /** legacy_version of the ClientHello (e.g. 0x0303). */
  version = 0;
  /** Record-layer version. */
  recordVersion = 0;
  sni = '';
  alpn: string[] = [];
  /** supported_versions extension values, in order (GREASE included as sent). */
  supportedVersions: number[] = [];
  cipherSuites: number[] = [];
  extensions: number[] = [];
  groups: number[] = [];
  ecPointFormats: number[] = [];
  signatureAlgorithms: number[] = [];
  /** True when carried by QUIC/DTLS rather than TLS over TCP. */
  overQuic = false;
  /**
   * JA3 string, its MD5 and JA4 ('' when the hello was cut short). Hashing
   * every hello costs when no stage looks, so they are computed on first read.
   */
  get ja3(): string {
    if (this.ja3Pending) {
      this.ja3Pending = false;
      this.ja3Text = ja3String(this);
    }
    return this.ja3Text;
  }
  set ja3(v: string) {
    this.ja3Pending = false;
    this.ja3Text = v;
  }
  get ja3Hash(): string {
    if (this.ja3HashPending) {
      this.ja3HashPending = false;
      this.ja3HashText = ja3Hash(this.ja3);
    }
    return this.ja3HashText;
  }
  set ja3Hash(v: string) {
    this.ja3HashPending = false;
    this.ja3HashText = v;
  }
  get ja4(): string {
    if (this.ja4Proto !== '') {
      this.ja4Text = ja4(this, this.ja4Proto);
      this.ja4Proto = '';
    }
    return this.ja4Text;
  }
  set ja4(v: string) {
    this.ja4Proto = '';
    this.ja4Text = v;
  }
  /** The hello is complete: its fingerprints (for transport `proto`) are computed when first read. */
  deferFingerprints(proto: 't' | 'q' | 'd'): void {
    this.ja3Pending = this.ja3HashPending = true;
    this.ja3Text = this.ja3HashText = this.ja4Text = '';
    this.ja4Proto = proto;
  }
  private ja3Pending = false;
  private ja3HashPending = false;
  /** JA4 transport letter while JA4 is pending, else ''. */
  private ja4Proto: '' | 't' | 'q' | 'd' = '';
  private ja3Text = '';
  private ja3HashText = '';
  private ja4Text = '';
}

export class HttpRequest {
  method = '';
  version = '';
  /** Request target, Host and User-Agent values ('' when absent); sliced from the packet on first read (see defer). */
  get uri(): string {
    if (this.uriPending) {
      this.uriPending = false;
      this.uriText = latin1(this.src, this.uriStart, this.uriEnd);
    }
    return this.uriText;
  }
  set uri(v: string) {
    this.uriPending = false;
    this.uriText = v;
  }
  get host(): string {
    if (this.headersPending) this.readHeaders();
    return this.hostText;
  }
  set host(v: string) {
    if (this.headersPending) this.readHeaders();
    this.hostText = v;
  }
  get userAgent(): string {
    if (this.headersPending) this.readHeaders();
    return this.userAgentText;
  }
  set userAgent(v: string) {
    if (this.headersPending) this.readHeaders();
    this.userAgentText = v;
  }
  /** The target is b[uriStart, uriEnd); the header lines follow the request line, which ends at `lineEnd`, up to `end` at most. */
  defer(b: Uint8Array, uriStart: number, uriEnd: number, lineEnd: number, end: number): void {
    this.src = b;
    this.uriStart = uriStart;
    this.uriEnd = uriEnd;
    this.lineEnd = lineEnd;
    this.end = end;
    this.uriPending = this.headersPending = true;
  }
  private readHeaders(): void {
    this.headersPending = false;
    readHostAndAgent(this, this.src, this.lineEnd, this.end);
  }
  private uriPending = false;
  private headersPending = false;
  private uriText = '';
  private hostText = '';
  private userAgentText = '';
  private src: Uint8Array = EMPTY;
  private uriStart = 0;
  private uriEnd = 0;
  private lineEnd = 0;
  private end = 0;
}

/**
 * One set of layers: the outermost packet (see Packet) or an inner packet
 * reached through a tunnel, or the IP packet quoted inside an ICMP error.
 */
export class Layers {
  // ---- link layer ----------------------------------------------------------
  hasEth = false;
  /** Offset of the Ethernet destination MAC (source MAC is at ethOff + 6). */
  ethOff = 0;
  /** EtherType (or 802.3 length for LLC frames) of the outer Ethernet header, before VLAN tags. */
  ethType = 0;
  /** 802.3 length field frame with an LLC header. */
  llc = false;
  /** LLC DSAP/SSAP/control, when llc. */
  llcDsap = 0;
  llcSsap = 0;
  /** EtherType of the payload after VLAN/MPLS/PPPoE, i.e. what the network layer is. */
  netType = 0;
  vlanCount = 0;
  /** VLAN IDs, outermost first. */
  vlanIds = new Uint16Array(MAX_VLAN);
  /** Full TCI (PCP/DEI/VID) per tag. */
  vlanTci = new Uint16Array(MAX_VLAN);
  /** TPID per tag (0x8100, 0x88a8, 0x9100). */
  vlanTpids = new Uint16Array(MAX_VLAN);
  mplsCount = 0;
  mplsLabels = new Uint32Array(MAX_MPLS);
  /** PPPoE session id, or -1. */
  pppoeSession = -1;
  /** Linux cooked capture: packet type (0 host, 4 outgoing...), or -1. */
  sllPktType = -1;
  /** Linux cooked capture: link-layer address offset and length (0 when absent). */
  sllAddrOff = 0;
  sllAddrLen = 0;
  /** Linux cooked v2: interface index, or -1. */
  sllIfIndex = -1;

  // ---- ARP -----------------------------------------------------------------
  hasArp = false;
  arpOp = 0;
  arpHtype = 0;
  arpPtype = 0;
  arpHlen = 0;
  arpPlen = 0;
  /** Offsets of sender hw, sender proto, target hw, target proto addresses. */
  arpShaOff = 0;
  arpSpaOff = 0;
  arpThaOff = 0;
  arpTpaOff = 0;

  // ---- network layer -------------------------------------------------------
  /** 0 (no IP), 4 or 6. */
  ipVersion = 0;
  ipOff = 0;
  /** IPv4: IHL*4. IPv6: 40 plus the extension headers walked. */
  ipHdrLen = 0;
  /** IPv4 total length / IPv6 40 + payload length (jumbo aware), as the header says. */
  ipTotalLen = 0;
  /** The upper-layer protocol after extension headers (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6...). */
  ipProto = 0;
  /** IPv4 protocol field / IPv6 Next Header field of the fixed header. */
  ipFirstNext = 0;
  ipTtl = 0;
  ipTos = 0;
  ipId = 0;
  /** IPv4 flags (DF=2, MF=1) in the low bits; IPv6 fragment header M flag as MF. */
  ipFlags = 0;
  /** Fragment offset in bytes. */
  ipFragOffset = 0;
  /** True for any fragment (offset > 0 or MF set). Non-first fragments carry no L4 header. */
  ipIsFragment = false;
  /** IPv6 fragment identification / flow label. */
  ip6FragId = 0;
  ip6FlowLabel = 0;
  ipChecksum = 0;
  /** IPv4 header checksum status; like l4ChecksumStatus, summed on first read. */
  get ipChecksumStatus(): CsumStatus {
    if (this.ipCsumBuf !== null) {
      const b = this.ipCsumBuf;
      this.ipCsumBuf = null;
      this.ipCsum = verifies(sumWords(b, this.ipOff + this.csumBase, this.ipHdrLen, 0)) ? Csum.Good : Csum.Bad;
    }
    return this.ipCsum;
  }
  set ipChecksumStatus(v: CsumStatus) {
    this.ipCsumBuf = null;
    this.ipCsum = v;
  }
  /** Defers the IPv4 header checksum check (header at ipOff, ipHdrLen bytes of `b`). */
  deferIpChecksum(b: Uint8Array): void {
    this.ipCsumBuf = b;
  }
  private ipCsum: CsumStatus = Csum.None;
  /** Pending deferred IPv4 header check (null when none or done). */
  private ipCsumBuf: Uint8Array | null = null;
  /** IPv4 addresses as uint32 (network order value). */
  src4 = 0;
  dst4 = 0;
  /** IPv6 addresses as four uint32 words, most significant first. */
  src6 = new Uint32Array(4);
  dst6 = new Uint32Array(4);
  /** Offsets of the source and destination addresses in data (4 or 16 bytes). */
  ipSrcOff = 0;
  ipDstOff = 0;
  /** Bitmask of Ip6Ext values walked. */
  ip6Ext = 0;
  /** IPv4 header options length (IHL*4 - 20). */
  ipOptionsLen = 0;

  // ---- transport -----------------------------------------------------------
  hasTcp = false;
  hasUdp = false;
  hasIcmp = false;
  /** Offset of the transport header. */
  l4Off = 0;
  sport = 0;
  dport = 0;
  tcpSeq = 0;
  tcpAck = 0;
  /** 12-bit flags incl. AE (see TcpFlag). */
  tcpFlags = 0;
  tcpHdrLen = 0;
  /** Window field as sent (not scaled). */
  tcpWindow = 0;
  tcpUrgent = 0;
  tcpChecksum = 0;
  // TCP options (-1 / false / 0 when absent). Only printers read them, so the decoder
  // records where they are (deferTcpOptions) and they are walked on first read.
  get tcpMss(): number {
    return this.tcpOptions().mss;
  }
  get tcpWscale(): number {
    return this.tcpOptions().wscale;
  }
  get tcpSackPerm(): boolean {
    return this.tcpOptions().sackPerm;
  }
  get tcpHasTs(): boolean {
    return this.tcpOptions().hasTs;
  }
  get tcpTsVal(): number {
    return this.tcpOptions().tsVal;
  }
  get tcpTsEcr(): number {
    return this.tcpOptions().tsEcr;
  }
  get tcpSackCount(): number {
    return this.tcpOptions().sackCount;
  }
  /** SACK blocks as left,right pairs. */
  get tcpSack(): Uint32Array {
    return this.tcpOptions().sack;
  }
  /** A TCP option had an impossible length: the option walk stopped there (the segment is still decoded). */
  get tcpOptionsBad(): boolean {
    return this.tcpOptions().bad;
  }
  /** Records the options at b[start, end) to be walked when first read. */
  deferTcpOptions(b: Uint8Array, start: number, end: number): void {
    this.tcpOptBuf = b;
    this.tcpOptStart = start;
    this.tcpOptEnd = end;
  }
  private tcpOptions(): TcpOptions {
    const o = this.tcpOpts;
    if (this.tcpOptBuf !== null) {
      const b = this.tcpOptBuf;
      this.tcpOptBuf = null;
      walkTcpOptions(o, b, this.tcpOptStart, this.tcpOptEnd);
    }
    return o;
  }
  private readonly tcpOpts = new TcpOptions();
  /** Pending option walk (null when none or done); offsets are into this buffer. */
  private tcpOptBuf: Uint8Array | null = null;
  private tcpOptStart = 0;
  private tcpOptEnd = 0;
  udpLength = 0;
  udpChecksum = 0;
  /** The UDP length field exceeds the IP payload (not a fragment): decoded as far as the IP payload goes. */
  udpLengthBad = false;
  /**
   * Checksum status of the TCP/UDP/ICMP layer. Verification is deferred: the
   * decoder records what to sum and the sum runs on first read, so stages that
   * never look (decode-only, monitor) do not pay for summing every payload.
   */
  get l4ChecksumStatus(): CsumStatus {
    if (this.l4CsumBuf !== null) {
      const b = this.l4CsumBuf;
      this.l4CsumBuf = null;
      this.l4Csum = l4ChecksumStatus(this, b, this.csumBase, this.l4CsumOff, this.l4CsumEnd, this.l4CsumLen, this.l4CsumProto, this.l4CsumPseudo);
    }
    return this.l4Csum;
  }
  set l4ChecksumStatus(v: CsumStatus) {
    this.l4CsumBuf = null;
    this.l4Csum = v;
  }
  /** Defers the transport checksum check of the `len`-byte message at `off` (see l4ChecksumStatus). */
  deferL4Checksum(b: Uint8Array, off: number, end: number, len: number, proto: number, pseudo: boolean): void {
    this.l4CsumBuf = b;
    this.l4CsumOff = off;
    this.l4CsumEnd = end;
    this.l4CsumLen = len;
    this.l4CsumProto = proto;
    this.l4CsumPseudo = pseudo;
  }
  private l4Csum: CsumStatus = Csum.None;
  /** Pending deferred check (null when none or done). */
  private l4CsumBuf: Uint8Array | null = null;
  private l4CsumOff = 0;
  private l4CsumEnd = 0;
  private l4CsumLen = 0;
  private l4CsumProto = 0;
  private l4CsumPseudo = false;
  /**
   * Where the frame starts in the buffer a pending check holds (see rebase): the
   * layer's offsets are frame-relative, the pending check's buffer is the reader's.
   */
  private csumBase = 0;
  icmpType = 0;
  icmpCode = 0;
  icmpChecksum = 0;
  /** Echo identifier and sequence (or -1 when the type has none). */
  icmpId = -1;
  icmpSeq = -1;
  /** ICMPv6 NDP target address offset (NS/NA/redirect), or 0. */
  ndpTargetOff = 0;
  /** Offset and length of the transport payload (bytes present). */
  payloadOff = 0;
  payloadLen = 0;

  // ---- application ---------------------------------------------------------
  app: AppKind = App.None;
  dns = new DnsMessage();
  tls = new TlsClientHello();
  http = new HttpRequest();

  // ---- nesting -------------------------------------------------------------
  /** How `inner` was reached (Encap.None = no inner packet). */
  encap: EncapKind = Encap.None;
  /** VXLAN VNI or GRE key, or -1. */
  tunnelId = -1;
  /** Preallocated inner layers (tunnel payload); valid when encap != None. */
  inner: Layers | null = null;
  /** The IP packet quoted by an ICMP error; valid when hasQuoted. */
  hasQuoted = false;
  quoted: Layers | null = null;

  // ---- errors --------------------------------------------------------------
  /** Why decoding stopped early (null when it did not). */
  malformed: string | null = null;
  /** Name of the layer that was malformed ('ipv4', 'tcp', 'dns'...). */
  malformedLayer = '';
  /** Soft problems that did not stop decoding (bad checksum is not one: see *ChecksumStatus). */
  truncated = false;

  /** Resets every field that a decode may have set (typed arrays are left; counts guard them). */
  reset(): void {
    this.hasEth = false;
    this.ethOff = this.ethType = this.netType = 0;
    this.llc = false;
    this.llcDsap = this.llcSsap = 0;
    this.vlanCount = this.mplsCount = 0;
    this.pppoeSession = -1;
    this.sllPktType = -1;
    this.sllAddrOff = this.sllAddrLen = 0;
    this.sllIfIndex = -1;
    // Per-protocol groups are written only after their has* flag is set
    // (arp.ts, tcp.ts, udp.ts, icmp*.ts), so a group is clean when its flag is.
    if (this.hasArp) {
      this.hasArp = false;
      this.arpOp = this.arpHtype = this.arpPtype = this.arpHlen = this.arpPlen = 0;
      this.arpShaOff = this.arpSpaOff = this.arpThaOff = this.arpTpaOff = 0;
    }
    this.ipVersion = this.ipOff = this.ipHdrLen = this.ipTotalLen = this.ipProto = this.ipFirstNext = 0;
    this.ipTtl = this.ipTos = this.ipId = this.ipFlags = this.ipFragOffset = 0;
    this.ipIsFragment = false;
    this.ip6FragId = this.ip6FlowLabel = 0;
    this.ipChecksum = 0;
    this.ipChecksumStatus = Csum.None;
    this.src4 = this.dst4 = 0;
    this.ipSrcOff = this.ipDstOff = 0;
    this.ip6Ext = 0;
    this.ipOptionsLen = 0;
    this.l4Off = this.sport = this.dport = 0;
    if (this.hasTcp) {
      this.hasTcp = false;
      this.tcpSeq = this.tcpAck = this.tcpFlags = this.tcpHdrLen = this.tcpWindow = this.tcpUrgent = this.tcpChecksum = 0;
      if (this.tcpOptBuf !== null) this.tcpOptBuf = null;
      else this.tcpOpts.reset();
    }
    if (this.hasUdp) {
      this.hasUdp = false;
      this.udpLength = this.udpChecksum = 0;
      this.udpLengthBad = false;
    }
    this.l4ChecksumStatus = Csum.None;
    if (this.hasIcmp) {
      this.hasIcmp = false;
      this.icmpType = this.icmpCode = this.icmpChecksum = 0;
      this.icmpId = this.icmpSeq = -1;
      this.ndpTargetOff = 0;
    }
    this.payloadOff = this.payloadLen = 0;
    this.app = App.None;
    this.encap = Encap.None;
    this.tunnelId = -1;
    this.hasQuoted = false;
    this.malformed = null;
    this.malformedLayer = '';
    this.truncated = false;
    this.csumBase = 0;
  }

  /**
   * Makes the offsets of this layer set (and of its quoted and inner sets)
   * relative to a frame that starts at `base` of the buffer it was decoded
   * from. Offsets below `base` are the unset zeros and stay 0, so every field
   * ends up as if the frame had been decoded from its own view.
   */
  rebase(base: number): void {
    if (this.ethOff >= base) this.ethOff -= base;
    if (this.sllAddrOff >= base) this.sllAddrOff -= base;
    if (this.hasArp) {
      if (this.arpShaOff >= base) this.arpShaOff -= base;
      if (this.arpSpaOff >= base) this.arpSpaOff -= base;
      if (this.arpThaOff >= base) this.arpThaOff -= base;
      if (this.arpTpaOff >= base) this.arpTpaOff -= base;
    }
    if (this.ipOff >= base) this.ipOff -= base;
    if (this.ipSrcOff >= base) this.ipSrcOff -= base;
    if (this.ipDstOff >= base) this.ipDstOff -= base;
    if (this.l4Off >= base) this.l4Off -= base;
    if (this.ndpTargetOff >= base) this.ndpTargetOff -= base;
    if (this.payloadOff >= base) this.payloadOff -= base;
    this.csumBase = base;
    if (this.hasQuoted && this.quoted !== null) this.quoted.rebase(base);
    if (this.encap !== Encap.None && this.inner !== null) this.inner.rebase(base);
  }

  /** Marks this layer set malformed at `layer` (first reason wins). */
  fail(layer: string, reason: string): void {
    if (this.malformed === null) {
      this.malformed = reason;
      this.malformedLayer = layer;
    }
  }
}

/**
 * What the flow stage attaches to each packet it tracked, so later stages
 * (detectors, printers) can name the flow without a second look-up.
 */
export interface FlowRef {
  /** Stable numeric flow id (unique within the run, as Suricata's flow_id). */
  readonly flowId: number;
  /** Community ID v1 string ("1:..."), computed once per flow. */
  readonly communityId: string;
  /** True when this packet travels in the flow's forward direction (first packet's sender). */
  readonly lastDirForward: boolean;
  /**
   * True when the flow's TCP three-way handshake (the initiator's SYN, the
   * answer's SYN/ACK, the initiator's ACK) completed before this packet: it
   * belongs to an open connection (flow/stage.ts tracks the handshake).
   */
  readonly established: boolean;
  /**
   * Copies the flow's key (its first KEY_WORDS words: protocol, version,
   * ordered addresses and ports; flow/layout.ts) to `out` at `off`, for its
   * Community ID on another thread; returns whether the forward direction
   * is the key's low endpoint.
   */
  copyKey(out: Uint32Array, off: number): boolean;
}

/** The outermost layers plus the frame metadata. */
export class Packet extends Layers {
  /** Set by the flow stage for the packet being processed (null when no flow stage or untracked). */
  flow: FlowRef | null = null;
  /** 1-based frame number. */
  n = 0;
  tsSec = 0;
  tsNsec = 0;
  /** Timestamp precision digits of the source (6 or 9), for printing. */
  tsDigits = 6;
  /** Original (wire) length. */
  len = 0;
  /** Captured length = data.length. */
  caplen = 0;
  linkType = 1;
  ifIndex = 0;
  /** The frame bytes (a view into the source's buffer, made on first read; valid only during the callback). */
  get data(): Uint8Array {
    if (this.view === null) this.view = this.views.view(this.frameBuf, this.frameOff, this.caplen);
    return this.view;
  }
  set data(v: Uint8Array) {
    this.frameBuf = v;
    this.frameOff = 0;
    this.view = v;
  }
  /** The frame is `caplen` bytes at `off` of `buf` (the decoder's input); `data` is made from them when read. */
  setFrameBytes(buf: Uint8Array, off: number): void {
    this.frameBuf = buf;
    this.frameOff = off;
    this.view = null;
  }
  private readonly views = new ViewMaker();
  /**
   * The buffer the frame's bytes are in and where they start: `bytes[byteStart + off]`
   * is `data[off]`. Stages that read a few bytes per packet use these, because reading
   * `data` makes a view object (an allocation) when the decoder ran on the reader's buffer.
   */
  get bytes(): Uint8Array {
    return this.frameBuf;
  }
  get byteStart(): number {
    return this.frameOff;
  }
  private frameBuf: Uint8Array = EMPTY;
  private frameOff = 0;
  private view: Uint8Array | null = EMPTY;
  /** Number of tunnel levels decoded into the inner chain. */
  depth = 0;
  /** False when the link type has no decoder: nothing was decoded, and that is not malformed. */
  linkSupported = true;

  constructor() {
    super();
    // Preallocate the inner chain and the ICMP-quote slots once.
    let cur: Layers = this;
    for (let i = 0; i < MAX_TUNNEL_DEPTH; i++) {
      const next = new Layers();
      next.quoted = new Layers();
      cur.inner = next;
      cur = next;
    }
    this.quoted = new Layers();
  }

  /** Timestamp as floating seconds (µs-exact for dates before 2255; use tsSec/tsNsec for exact arithmetic). */
  get time(): number {
    return this.tsSec + this.tsNsec / 1e9;
  }

  /** The innermost tunnel level (the packet itself when not tunnelled). ICMP quotes are not followed. */
  innermost(): Layers {
    let cur: Layers = this;
    while (cur.encap !== Encap.None && cur.inner !== null) cur = cur.inner;
    return cur;
  }

  /** True when any level stopped decoding early. */
  isMalformed(): boolean {
    let cur: Layers | null = this;
    while (cur !== null) {
      if (cur.malformed !== null) return true;
      if (cur.hasQuoted && cur.quoted !== null && cur.quoted.malformed !== null) return true;
      cur = cur.encap !== Encap.None ? cur.inner : null;
    }
    return false;
  }

  /** First malformed reason along the chain, or null. */
  malformedReason(): string | null {
    let cur: Layers | null = this;
    while (cur !== null) {
      if (cur.malformed !== null) return `${cur.malformedLayer}: ${cur.malformed}`;
      cur = cur.encap !== Encap.None ? cur.inner : null;
    }
    return null;
  }
}
