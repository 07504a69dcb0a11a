/**
 * Per-flow numeric state lives in Float64Array slabs (see store.ts), one
 * fixed-size record per flow, instead of one JS object per flow: a double
 * field in a V8 object costs a 16-byte heap box plus its pointer, a slab
 * field costs exactly 8 bytes. These are the record's field offsets.
 *
 * Times are microseconds since the epoch as doubles (exact up to year 2255).
 */

/** A streaming statistic (Welford): count, mean, M2, min, max. Sums are kept as separate exact fields. */
export const enum S {
  N = 0,
  Mean = 1,
  M2 = 2,
  Min = 3,
  Max = 4,
  Size = 5,
}

export const enum F {
  FlowId = 0,
  /** 1 when the forward sender is the canonical "low" endpoint of the key. */
  FwdIsLow,
  FirstUs,
  LastUs,
  FirstBwdUs,
  LastFwdUs,
  LastBwdUs,
  /** Transport payload bytes per direction (CIC "packet length" totals). */
  FwdBytes,
  BwdBytes,
  ActiveStartUs,
  ActiveEndUs,
  /** Wire (frame) bytes and IP-layer bytes per direction (tshark / Zeek comparisons). */
  FwdWireBytes,
  BwdWireBytes,
  FwdIpBytes,
  BwdIpBytes,
  FwdHdrBytes,
  BwdHdrBytes,
  FwdMinHdr,
  FwdActData,
  /** TCP flag counts FIN SYN RST ACK CWR ECE (PSH and URG are the sums of the per-direction counts). */
  CntFin,
  CntSyn,
  CntRst,
  CntAck,
  CntCwr,
  CntEce,
  FwdPsh,
  BwdPsh,
  FwdUrg,
  BwdUrg,
  /** TCP window field of the first packet per direction, -1 when none. */
  FwdInitWin,
  BwdInitWin,
  /** Bulk state per direction (CIC's algorithm, see docs/features.md). */
  FBulkStart,
  FBulkLast,
  FBulkPktsH,
  FBulkBytesH,
  FBulkCount,
  FBulkPkts,
  FBulkBytes,
  FBulkDur,
  BBulkStart,
  BBulkLast,
  BBulkPktsH,
  BBulkBytesH,
  BBulkCount,
  BBulkPkts,
  BBulkBytes,
  BBulkDur,
  /** Subflows: number of gaps > 1 s plus one. */
  SubflowCount,
  /** TCP state (TcpState), per-direction sequence tracking and handshake times. */
  TcpState,
  FwdNextSeq,
  BwdNextSeq,
  FwdHoleStart,
  FwdHoleEnd,
  BwdHoleStart,
  BwdHoleEnd,
  FwdFinSeq,
  BwdFinSeq,
  FwdRetrans,
  BwdRetrans,
  FwdOoo,
  BwdOoo,
  SynUs,
  SynAckUs,
  HandshakeAckUs,
  /** Time after which a closed TCP flow is finally ended (linger). */
  CloseDeadlineUs,
  /** AppProto code, VLAN id (outermost, -1), tunnel id (-1), ip version, proto. */
  AppProto,
  Vlan,
  TunnelId,
  Encap,
  /** History letters already recorded (bit per letter and direction). */
  HistoryBits,
  /** Streaming statistics blocks (S.Size doubles each). */
  FwdLen,
  BwdLen = FwdLen + S.Size,
  FlowIat = BwdLen + S.Size,
  FwdIat = FlowIat + S.Size,
  BwdIat = FwdIat + S.Size,
  Active = BwdIat + S.Size,
  Idle = Active + S.Size,
  Stride = Idle + S.Size,
}

/** Key words per flow (Uint32): see key.ts. */
export const enum K {
  /** proto | ipVersion << 8 | kind << 12 */
  Meta = 0,
  LowAddr = 1,
  HighAddr = 5,
  /** lowPort << 16 | highPort */
  Ports = 9,
  /** ICMP echo identifier, or EtherType for non-IP flows. */
  Extra = 10,
  Hash = 11,
  Words = 12,
}

export const enum KeyKind {
  Ip = 0,
  NonIp = 1,
}

export const enum TcpState {
  None = 0,
  SynSent = 1,
  SynAckSeen = 2,
  Established = 3,
  FinWait = 4,
  Closed = 5,
  Reset = 6,
}
