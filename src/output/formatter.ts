import type { Packet } from '../decode/packet.js';

/** Turns one decoded packet into output text (a whole line or block, newline included). */
export interface PacketFormatter {
  format(pkt: Packet): string;
}
