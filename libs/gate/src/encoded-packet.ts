import { type Packet } from '@switchboard/proto/client';
import { asBuffer, decodePacket, encodeFrame, encodePacket, packetToJson } from '@switchboard/protocol';
import { WireFormat, type WireChunk } from './transport.js';
import { wsFrame } from './ws-frame.js';

/**
 * One outbound Packet, encoded at most once per wire format, lazily: a fan-out to 10,000
 * connections builds one frame for the TCP ones and one JSON string for the JSON ones, and writes
 * the same object to each.
 */
export class EncodedPacket {
  private bare: Buffer | undefined;
  private framed: Buffer | undefined;
  private json: string | undefined;
  private wsBinary: Buffer | undefined;
  private wsText: Buffer | undefined;
  private packet: Packet | undefined;

  /** The PacketType, read once (for per-type counters). */
  readonly type: number;

  private constructor(packet: Packet | undefined, bare: Buffer | undefined) {
    this.packet = packet;
    this.bare = bare;
    // Packet.type is field 1, a varint: encoded first as 0x08 and, for every type there is, one byte.
    this.type = packet
      ? packet.type
      : bare && bare[0] === 0x08 && bare.length > 1
        ? (bare[1] as number) & 0x7f
        : 0;
  }

  /** From a Packet object (responses, close packets). */
  static of(packet: Packet): EncodedPacket {
    return new EncodedPacket(packet, undefined);
  }

  /** From Packet bytes already encoded upstream (Deliver, PushRoom, …). */
  static fromBytes(bytes: Uint8Array): EncodedPacket {
    return new EncodedPacket(undefined, asBuffer(bytes));
  }

  /**
   * The chunk to write to a connection of `format`, or undefined when the bytes given upstream are
   * not a Packet and cannot be rendered as JSON.
   */
  chunkFor(format: WireFormat): WireChunk | undefined {
    switch (format) {
      case WireFormat.Framed:
        return (this.framed ??= encodeFrame(this.bytes()));
      case WireFormat.Binary:
        return this.bytes();
      case WireFormat.Json:
        return this.jsonText();
      case WireFormat.WsBinary:
        return (this.wsBinary ??= wsFrame(this.bytes()));
      case WireFormat.WsText:
        if (this.wsText === undefined) {
          const json = this.jsonText();
          if (json === undefined) return undefined;
          this.wsText = wsFrame(json);
        }
        return this.wsText;
    }
  }

  private jsonText(): string | undefined {
    if (this.json === undefined) {
      const packet = this.decoded();
      if (!packet) return undefined;
      this.json = packetToJson(packet);
    }
    return this.json;
  }

  private bytes(): Buffer {
    return (this.bare ??= asBuffer(encodePacket(this.packet!)));
  }

  private decoded(): Packet | undefined {
    if (this.packet) return this.packet;
    const result = decodePacket(this.bare!);
    if (result.ok) this.packet = result.packet;
    else if (result.packet) this.packet = result.packet;
    return this.packet;
  }
}

/** Encodes one packet for one connection (responses), without the fan-out cache. */
export function encodeFor(format: WireFormat, packet: Packet): WireChunk {
  switch (format) {
    case WireFormat.Framed:
      return encodeFrame(encodePacket(packet));
    case WireFormat.Binary:
      return asBuffer(encodePacket(packet));
    case WireFormat.Json:
      return packetToJson(packet);
    case WireFormat.WsBinary:
      return wsFrame(encodePacket(packet));
    case WireFormat.WsText:
      return wsFrame(packetToJson(packet));
  }
}
