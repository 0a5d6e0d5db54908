import { type ErrorCode } from '@switchboard/proto/client';

/**
 * A codec failure reported as a value, not thrown: bad client input is expected on a gateway and must
 * never unwind the stack of a socket handler.
 *
 * `code` is the stable catalog code the gateway sends (and closes with); `message` is for logs and the
 * human-readable `Packet.message`, and may change between versions.
 */
export interface ProtocolError {
  readonly code: ErrorCode;
  readonly message: string;
}
