// The client protocol generated for browsers (bytes are Uint8Array, no Node Buffer): the same
// messages and wire format as `@switchboard/proto/client`, for code that must also run in a browser.
export * from './gen-web/switchboard/client/v1/packet.js';
export * from './gen-web/switchboard/client/v1/errors.js';
export * from './gen-web/switchboard/client/v1/messages.js';
