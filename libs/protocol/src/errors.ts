import { ErrorCode } from '@switchboard/proto/client-errors';

/** What a client does after the server closed its connection with a code. */
export type CloseAction = 'reconnect' | 'reauthenticate' | 'give_up';

/**
 * One entry of the error catalog, the single source of truth mirrored by docs/errors.md (a test keeps
 * the two equal).
 */
export interface ErrorInfo {
  readonly code: ErrorCode;
  /** The enum name, e.g. `ERROR_CODE_FRAME_TOO_LARGE`. */
  readonly name: string;
  /** One sentence saying what happened. */
  readonly meaning: string;
  /** Whether sending the same request again (after a back-off, or on a new connection) can succeed. */
  readonly retryable: boolean;
  /** True for close reasons (200-399): the server sends DISCONNECT or KICKED with the code, then closes. */
  readonly closesConnection: boolean;
  /**
   * What the client does after a connection closed with this code: always for close reasons, and
   * for the other codes when a sign-in fails with them (the gateway then closes with the sign-in's
   * error). `undefined` only for code 0.
   */
  readonly closeAction: CloseAction | undefined;
}

type Entry = readonly [meaning: string, retryable: boolean, closeAction?: CloseAction];

// Keyed by ErrorCode, so the compiler rejects a missing or extra code. Codes outside 200-399 carry a
// close action too: a failed sign-in closes the connection with whatever code it failed with.
const ENTRIES: Readonly<Record<Exclude<ErrorCode, ErrorCode.UNRECOGNIZED>, Entry>> = {
  [ErrorCode.ERROR_CODE_UNSPECIFIED]: ['No error: the request succeeded.', false],

  [ErrorCode.ERROR_CODE_INTERNAL]: [
    'The server failed unexpectedly while handling the request.',
    true,
    'reconnect',
  ],
  [ErrorCode.ERROR_CODE_UNAVAILABLE]: [
    'A service the request needs is temporarily unreachable.',
    true,
    'reconnect',
  ],
  [ErrorCode.ERROR_CODE_TIMEOUT]: [
    'The request did not complete in time; it may or may not have taken effect.',
    true,
    'reconnect',
  ],
  [ErrorCode.ERROR_CODE_INVALID_ARGUMENT]: [
    'The request payload is malformed or has an invalid field.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_NOT_FOUND]: ['The requested object does not exist.', false, 'give_up'],
  [ErrorCode.ERROR_CODE_PERMISSION_DENIED]: [
    'The signed-in user may not perform this request.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_ALREADY_EXISTS]: [
    'The object the request would create already exists.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_RATE_LIMITED]: ['Too many requests; slow down and retry later.', true, 'reconnect'],
  [ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE]: [
    'The packet type is unspecified or unknown to this server.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_ALREADY_SIGNED_IN]: [
    'A SIGN_IN arrived on a connection that is already signed in.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE]: [
    'The request payload, or the reply it needs, exceeds a size the server handles.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_LIMIT_EXCEEDED]: [
    'A per-connection limit was reached (such as the rooms one connection may join).',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_UNIMPLEMENTED]: [
    'This server version does not implement the operation.',
    false,
    'give_up',
  ],

  [ErrorCode.ERROR_CODE_BAD_FRAME]: [
    'The byte stream is not valid framing, e.g. it ended inside a frame.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_FRAME_TOO_LARGE]: [
    'A frame declared a length above the configured maximum.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_INVALID_PACKET]: [
    'A frame or message is not a valid Packet (malformed protobuf or JSON).',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_NOT_SIGNED_IN]: [
    'A request other than SIGN_IN or HEARTBEAT arrived before sign-in.',
    false,
    'reconnect',
  ],
  [ErrorCode.ERROR_CODE_SIGN_IN_TIMEOUT]: [
    'No SIGN_IN arrived within the sign-in timeout after connecting.',
    true,
    'reconnect',
  ],
  [ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT]: [
    'Nothing arrived from the client within the idle timeout.',
    true,
    'reconnect',
  ],
  [ErrorCode.ERROR_CODE_SLOW_CONSUMER]: [
    'The client read too slowly and its send queue overflowed; sync after reconnecting.',
    true,
    'reconnect',
  ],
  [ErrorCode.ERROR_CODE_FLOOD]: [
    'The client sent packets faster than allowed; reconnect after a back-off.',
    true,
    'reconnect',
  ],
  [ErrorCode.ERROR_CODE_SERVER_SHUTDOWN]: [
    'The gateway is shutting down; reconnect, possibly to another instance.',
    true,
    'reconnect',
  ],
  [ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE]: [
    'The same device signed in on another connection.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_KICKED_BY_ADMIN]: [
    'An operator or business server disconnected the device.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_ORIGIN_NOT_ALLOWED]: [
    "The WebSocket handshake's Origin is not allowed for this app.",
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_GATE_RESET]: [
    'The gateway could not restore its registration with route for this sign-in; reconnect and sync.',
    true,
    'reconnect',
  ],
  [ErrorCode.ERROR_CODE_TOO_MANY_CONNECTIONS]: [
    'The gateway holds as many connections as it may, in all or from this address; reconnect after a back-off.',
    true,
    'reconnect',
  ],

  [ErrorCode.ERROR_CODE_UNAUTHENTICATED]: [
    'The sign-in carried no usable credentials.',
    false,
    'reauthenticate',
  ],
  [ErrorCode.ERROR_CODE_TOKEN_INVALID]: [
    'The token is malformed, has a bad signature or does not match the sign-in.',
    false,
    'reauthenticate',
  ],
  [ErrorCode.ERROR_CODE_TOKEN_EXPIRED]: ['The token has expired; obtain a new one.', false, 'reauthenticate'],
  [ErrorCode.ERROR_CODE_APP_NOT_FOUND]: ['The app id names no app on this server.', false, 'give_up'],
  [ErrorCode.ERROR_CODE_INVALID_API_KEY]: [
    'The business API key is missing, unknown or revoked.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_TOKEN_REVOKED]: [
    "The token was issued before the user's tokens were revoked; fetch a new one.",
    false,
    'reauthenticate',
  ],

  [ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER]: [
    'The user is not a member of the group it addressed.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_GROUP_NOT_FOUND]: ['The group does not exist.', false, 'give_up'],
  [ErrorCode.ERROR_CODE_USER_NOT_FOUND]: ['The user does not exist in this app.', false, 'give_up'],
  [ErrorCode.ERROR_CODE_INVALID_CONVERSATION]: [
    'The conversation type or id is invalid for this request.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_CONTENT_TOO_LARGE]: [
    'The message content exceeds the size the app allows.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_GROUP_DISSOLVED]: [
    'The group was dissolved: nothing more can be sent to it or changed in it.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_ROOM_SEND_NOT_ALLOWED]: [
    'The app does not let clients send to rooms; its servers push to rooms through the business API.',
    false,
    'give_up',
  ],
  [ErrorCode.ERROR_CODE_NOT_ROOM_SUBSCRIBER]: [
    'The connection must subscribe to the room before sending to it.',
    false,
    'give_up',
  ],
};

function toInfo(code: ErrorCode, [meaning, retryable, closeAction]: Entry): ErrorInfo {
  return {
    code,
    name: ErrorCode[code],
    meaning,
    retryable,
    closesConnection: code >= 200 && code < 400,
    closeAction,
  };
}

/** Every ErrorCode with its documentation, in ascending code order. */
export const ERROR_CATALOG: readonly ErrorInfo[] = Object.freeze(
  Object.entries(ENTRIES)
    .map(([code, entry]) => toInfo(Number(code) as ErrorCode, entry))
    .sort((a, b) => a.code - b.code)
    .map((info) => Object.freeze(info)),
);

const BY_CODE: ReadonlyMap<number, ErrorInfo> = new Map(ERROR_CATALOG.map((info) => [info.code, info]));

/** The catalog entry for a code, or `undefined` for a number that is not a known ErrorCode. */
export function errorInfo(code: number): ErrorInfo | undefined {
  return BY_CODE.get(code);
}

/** True when `code` is an ErrorCode this version knows. */
export function isErrorCode(code: number): code is ErrorCode {
  return BY_CODE.has(code);
}

/** Whether retrying can help; unknown codes (from a newer server) are treated as not retryable. */
export function isRetryable(code: number): boolean {
  return BY_CODE.get(code)?.retryable ?? false;
}

/**
 * What a client does after a close with `code`. Unknown codes (and 0) give `reconnect`, since a
 * close without a catalog reason is most likely a network failure.
 */
export function closeActionFor(code: number): CloseAction {
  return BY_CODE.get(code)?.closeAction ?? 'reconnect';
}
