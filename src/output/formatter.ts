import type { Packet } from '../decode/packet.js';
import type { ByteEmitter } from './emitter.js';

/** Writes one decoded packet's output (a whole line or block, newline included) into `out`. */
export interface PacketFormatter {
  format(pkt: Packet, out: ByteEmitter): void;
}
