// The client protocol's ErrorCode alone (the same enum `@switchboard/proto/client` exports): for
// code that also runs in a browser, which must not pull in the Buffer-based messages next to it.
export * from './gen/switchboard/client/v1/errors.js';
