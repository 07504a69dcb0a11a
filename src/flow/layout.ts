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

/**
 * Grouped by when a packet touches them, so a packet reads and writes few
 * cache lines of its flow: fields every packet updates, then its direction's
 * block (a forward packet never touches the backward block, except the other
 * side's bulk end and FIN sequence), then fields set once or rarely.
 * The Bwd block repeats the Fwd block's order at offset D.Size.
 */
export const enum F {
  // ---- every packet ----
  FlowId = 0,
  /** 1 when the forward sender is the canonical "low" endpoint of the key. */
  FwdIsLow,
  FirstUs,
  LastUs,
  ActiveStartUs,
  ActiveEndUs,
  /** TCP state (TcpState) and history letters already recorded (bit per letter and direction). */
  TcpState,
  HistoryBits,
  /** AppProto code. */
  AppProto,
  /** TCP flag counts FIN SYN RST ACK CWR ECE (PSH and URG are the sums of the per-direction counts). */
  CntFin,
  CntSyn,
  CntRst,
  CntAck,
  CntCwr,
  CntEce,
  FwdMinHdr,
  FwdActData,
  /** Subflows: number of gaps > 1 s plus one. */
  SubflowCount,
  /** Handshake times. */
  SynUs,
  SynAckUs,
  HandshakeAckUs,
  /** Streaming statistic of all inter-arrival times (S.Size doubles). */
  FlowIat,

  // ---- forward direction block (D.Size fields) ----
  LastFwdUs = FlowIat + S.Size,
  /** Transport payload bytes (CIC "packet length" totals). */
  FwdBytes,
  /** Wire (frame) bytes and IP-layer bytes (tshark / Zeek comparisons). */
  FwdWireBytes,
  FwdIpBytes,
  FwdHdrBytes,
  FwdPsh,
  FwdUrg,
  /** TCP window field of the first packet, -1 when none. */
  FwdInitWin,
  /** Sequence tracking: next expected sequence, the last hole, the ack covering our FIN. */
  FwdNextSeq,
  FwdHoleStart,
  FwdHoleEnd,
  FwdFinSeq,
  FwdRetrans,
  FwdOoo,
  /** Bulk state (CIC's algorithm, see docs/features.md). */
  FBulkStart,
  FBulkLast,
  FBulkPktsH,
  FBulkBytesH,
  FBulkCount,
  FBulkPkts,
  FBulkBytes,
  FBulkDur,
  /** Streaming statistics of payload lengths and of this direction's inter-arrival times. */
  FwdLen,
  FwdIat = FwdLen + S.Size,

  // ---- backward direction block: same order ----
  LastBwdUs = FwdIat + S.Size,
  BwdBytes,
  BwdWireBytes,
  BwdIpBytes,
  BwdHdrBytes,
  BwdPsh,
  BwdUrg,
  BwdInitWin,
  BwdNextSeq,
  BwdHoleStart,
  BwdHoleEnd,
  BwdFinSeq,
  BwdRetrans,
  BwdOoo,
  BBulkStart,
  BBulkLast,
  BBulkPktsH,
  BBulkBytesH,
  BBulkCount,
  BBulkPkts,
  BBulkBytes,
  BBulkDur,
  BwdLen,
  BwdIat = BwdLen + S.Size,

  // ---- set once, or rarely ----
  FirstBwdUs = BwdIat + S.Size,
  /** Time after which a closed TCP flow is finally ended (linger). */
  CloseDeadlineUs,
  /** VLAN id (outermost, -1), tunnel id (-1), encapsulation. */
  Vlan,
  TunnelId,
  Encap,
  /** Active and idle periods (statistics blocks). */
  Active,
  Idle = Active + S.Size,
  Stride = Idle + S.Size,
}

/** The direction blocks of F: the Bwd twin of a Fwd field is at Fwd + D.Size. */
export const enum D {
  Size = F.LastBwdUs - F.LastFwdUs,
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
