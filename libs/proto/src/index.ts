// Generated protobuf code, grouped by audience. Prefer a subpath import such as
// `@switchboard/proto/client`; the namespaces below keep equal names in
// different packages (e.g. client vs logic SignInRequest) apart.
export * as client from './client.js';
export * as conn from './conn.js';
export * as route from './route.js';
export * as logic from './logic.js';
export * as rpc from './rpc.js';
export * as business from './business.js';
