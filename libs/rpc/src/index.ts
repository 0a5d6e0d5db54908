export { RpcError, CODE_METADATA_KEY, toStatus, fromServiceError } from './rpc-error.js';
export { unary } from './unary.js';
export { call } from './call.js';
export { startGrpcServer, type ServiceRegistration, type StartedServer } from './server.js';
export { GRPC_BATCH_TARGET_BYTES, GRPC_CHANNEL_OPTIONS, GRPC_MAX_MESSAGE_BYTES } from './channel-options.js';
