// Generated protobuf code, grouped by audience. Import a subpath, e.g.
// `@switchboard/proto/client`, so that names from different packages never collide.
export * as client from './client.js';
