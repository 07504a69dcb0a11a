/**
 * Packet size. The prototype fired on any frame shorter than 50 or longer
 * than 1500 bytes, which flags every TCP ACK (54 bytes) and every offload
 * super-packet of a Linux capture. The sound rule compares what the IP header
 * claims with what the frame carries and with the link MTU:
 *
 *   ip_total_length > frame bytes after the link header   (header lies / cut on the wire)
 *   ip_total_length > MTU, unless it is a TCP/UDP segmentation-offload aggregate
 *   frame bytes after the IP packet > allowed trailer     (padding only in minimum-size frames)
 *   ip_total_length < IP header + transport header
 *
 * Offload aggregates (GSO/TSO on send, GRO on receive) are what the kernel
 * hands to libpcap before the NIC splits them: TCP or UDP, IP length either
 * consistent with the frame or 0 (IPv4 TSO above 64 KiB), larger than the
 * MTU. Linux cooked captures mark the outgoing ones with packet type 4.
 */
import type { Packet } from '../decode/packet.js';
import type { DetectConfig } from './config.js';
import { type DetectContext, type Detector, tupleOf } from './detector.js';
import { SIG } from './signatures.js';

type SizeConfig = DetectConfig['packetSize'];

const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;
const SLL_OUTGOING = 4;

/** The prototype's rule, kept exactly: frame length < min or > max. */
export class PrototypePacketSizeDetector implements Detector {
  readonly name = 'packet-size';
  private alerts = 0;
  constructor(private readonly cfg: SizeConfig) {}

  onPacket(pkt: Packet, ctx: DetectContext): void {
    const len = pkt.len;
    const below = len < this.cfg.prototypeMin;
    if (!below && len <= this.cfg.prototypeMax) return;
    this.alerts++;
    ctx.alert({
      tsSec: pkt.tsSec,
      tsNsec: pkt.tsNsec,
      tuple: tupleOf(pkt),
      sig: SIG.protoPacketSize,
      detector: this.name,
      evidence: below
        ? { bound: 'frame_length < min', frame_length: len, min: this.cfg.prototypeMin }
        : { bound: 'frame_length > max', frame_length: len, max: this.cfg.prototypeMax },
    });
  }

  stats(): Record<string, number> {
    return { alerts: this.alerts };
  }
}

export class PacketSizeDetector implements Detector {
  readonly name = 'packet-size';
  private alerts = 0;
  /** Offload aggregates seen and not alerted on (a Linux capture has many). */
  private offloadSkipped = 0;

  constructor(private readonly cfg: SizeConfig) {}

  onPacket(pkt: Packet, ctx: DetectContext): void {
    if (pkt.ipVersion === 0) return;
    // Fragments and truncated captures are judged by the header fields, which
    // are present; the wire length (pkt.len) is what the frame really carried.
    const l2 = pkt.ipOff;
    const onWire = pkt.len - l2;
    const total = pkt.ipTotalLen;
    const mtu = ctx.mtu;
    const l4 = pkt.hasTcp || pkt.hasUdp;

    if (this.isOffloadAggregate(pkt, total, onWire, mtu, l4)) {
      this.offloadSkipped++;
      return;
    }
    if (total > onWire) {
      this.fire(pkt, ctx, SIG.ipLongerThanFrame, { bound: 'ip_total_length > frame_length - link_header', ip_total_length: total, frame_length: pkt.len, link_header: l2 });
      return;
    }
    if (total > mtu) {
      this.fire(pkt, ctx, SIG.ipAboveMtu, { bound: 'ip_total_length > mtu', ip_total_length: total, mtu });
      return;
    }
    const trailer = onWire - total;
    if (trailer > this.cfg.maxTrailerBytes && pkt.len > this.cfg.minEthernetFrame) {
      this.fire(pkt, ctx, SIG.frameTrailer, {
        bound: 'trailer_bytes > max_trailer',
        trailer_bytes: trailer,
        max_trailer: this.cfg.maxTrailerBytes,
        frame_length: pkt.len,
        ip_total_length: total,
      });
      return;
    }
    const minHdr = pkt.ipHdrLen + (pkt.hasTcp ? pkt.tcpHdrLen : pkt.hasUdp ? 8 : 0);
    if (total < minHdr && !pkt.ipIsFragment) {
      this.fire(pkt, ctx, SIG.ipBelowHeaders, { bound: 'ip_total_length < headers', ip_total_length: total, header_bytes: minHdr });
    }
  }

  private isOffloadAggregate(pkt: Packet, total: number, onWire: number, mtu: number, l4: boolean): boolean {
    if (!this.cfg.ignoreOffload || !l4) return false;
    // IPv4 TSO beyond 64 KiB: the kernel leaves total length 0.
    if (total === 0 && pkt.ipVersion === 4) return onWire > mtu;
    if (total <= mtu) return false;
    const linuxOutgoing = (pkt.linkType === LINKTYPE_LINUX_SLL || pkt.linkType === LINKTYPE_LINUX_SLL2) && pkt.sllPktType === SLL_OUTGOING;
    // A consistent length means the header was written for the aggregate, as GSO/GRO do.
    return linuxOutgoing || (total <= onWire && onWire - total <= this.cfg.maxTrailerBytes);
  }

  private fire(pkt: Packet, ctx: DetectContext, sig: (typeof SIG)[keyof typeof SIG], evidence: Record<string, unknown>): void {
    this.alerts++;
    ctx.alert({ tsSec: pkt.tsSec, tsNsec: pkt.tsNsec, tuple: tupleOf(pkt, pkt), sig, detector: this.name, evidence });
  }

  stats(): Record<string, number> {
    return { alerts: this.alerts, offloadSkipped: this.offloadSkipped };
  }
}
