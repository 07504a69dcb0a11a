/**
 * The packet that first showed an address queued for a reputation look-up,
 * kept as numbers: most answers are clean, so the alert tuple (address text,
 * Community ID hash) is built only when an answer turns out malicious, long
 * after the reused Packet and its FlowRef have moved on.
 *
 * The Community ID must equal the flow's own (flow/community-id.ts over the
 * flow key). It is remade from the packet's numbers only where the flow key
 * is exactly those numbers in a direction-free form
 * (tupleGivesFlowCommunityId); elsewhere the flow's ID is taken right away,
 * as the eager tuple did.
 */
import type { Layers, Packet } from '../decode/packet.js';
import { communityIdOfTuple, tupleGivesFlowCommunityId } from '../flow/community-id.js';
import { formatIPv4, formatIPv6Words } from '../util/format.js';
import { type AlertTuple, protoName } from './detector.js';

export class Sighting {
  readonly tsSec: number;
  readonly tsNsec: number;
  private readonly v6: boolean;
  private readonly src4: number;
  private readonly dst4: number;
  /** IPv6 addresses (4 words each), null for IPv4. */
  private readonly src6: Uint32Array | null;
  private readonly dst6: Uint32Array | null;
  private readonly hasPorts: boolean;
  private readonly sport: number;
  private readonly dport: number;
  private readonly proto: number;
  /** ICMP type and code, for the Community ID of ICMP request/reply flows. */
  private readonly icmpType: number;
  private readonly icmpCode: number;
  private readonly flowId: number | null;
  /** The flow's Community ID: null without a flow, '' while it can be remade from the numbers above. */
  private readonly communityId: string | null;

  constructor(pkt: Packet, l: Layers) {
    this.tsSec = pkt.tsSec;
    this.tsNsec = pkt.tsNsec;
    this.v6 = l.ipVersion === 6;
    this.src4 = l.src4;
    this.dst4 = l.dst4;
    this.src6 = this.v6 ? l.src6.slice() : null;
    this.dst6 = this.v6 ? l.dst6.slice() : null;
    this.hasPorts = l.hasTcp || l.hasUdp;
    this.sport = l.sport;
    this.dport = l.dport;
    this.proto = l.ipProto;
    this.icmpType = l.icmpType;
    this.icmpCode = l.icmpCode;
    const flow = pkt.flow;
    this.flowId = flow?.flowId ?? null;
    this.communityId = flow === null ? null : tupleGivesFlowCommunityId(l) ? '' : flow.communityId;
  }

  /** The alert tuple, as tupleOf (detector.ts) made it from the packet. */
  tuple(): AlertTuple {
    return {
      srcIp: this.v6 ? formatIPv6Words(this.src6!) : formatIPv4(this.src4),
      srcPort: this.hasPorts ? this.sport : null,
      destIp: this.v6 ? formatIPv6Words(this.dst6!) : formatIPv4(this.dst4),
      destPort: this.hasPorts ? this.dport : null,
      proto: protoName(this.proto),
      flowId: this.flowId,
      communityId:
        this.communityId === ''
          ? communityIdOfTuple(this.v6, this.src4, this.dst4, this.src6, this.dst6, this.proto, this.hasPorts, this.sport, this.dport, this.icmpType, this.icmpCode)
          : this.communityId,
    };
  }
}
