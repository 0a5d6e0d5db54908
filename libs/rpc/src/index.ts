export {
  RpcError,
  InternalAuthRefusedError,
  isCodedError,
  type CodedError,
  CODE_METADATA_KEY,
  FIELD_METADATA_KEY,
  INTERNAL_AUTH_REFUSED_KEY,
  UNAVAILABLE_MESSAGE,
  toStatus,
  type ErrorAnswer,
  fromServiceError,
  toErrorOutcome,
  fromErrorOutcome,
  type ErrorOutcome,
} from './rpc-error.js';
export { unary } from './unary.js';
export { deadlineOf } from './call-deadline.js';
export {
  InProcessChannel,
  InProcessServices,
  serveInternal,
  type InProcessServer,
  type InternalServer,
} from './in-process.js';
export { call, callBy } from './call.js';
export {
  listen,
  startGrpcServer,
  type GrpcServerOptions,
  type ServiceRegistration,
  type StartedServer,
} from './server.js';
export { GRPC_BATCH_TARGET_BYTES, GRPC_CHANNEL_OPTIONS, GRPC_MAX_MESSAGE_BYTES } from './channel-options.js';
export { parseAddressList, type AddressList } from './address-list.js';
export {
  balancedChannel,
  MAX_ATTEMPTS,
  type BalancedChannel,
  type BalancedChannelOptions,
} from './balanced-channel.js';
export { RETRYABLE_LOGIC_METHODS, RETRYABLE_ROUTE_METHODS } from './retryable-methods.js';
export { isTransientError } from './transient-error.js';
export { channelReachable } from './reachable.js';
export {
  INTERNAL_AUTH_METADATA_KEY,
  INTERNAL_SECRET_MIN_LENGTH,
  UNAUTHENTICATED_MESSAGE,
  InternalAuthVerifier,
  internalAuthInterceptor,
  internalClientOptions,
  parseInternalSecrets,
} from './internal-auth.js';
export {
  internalChannel,
  internalServerCredentials,
  readInternalTls,
  type InternalTls,
  type InternalTlsConfig,
} from './internal-tls.js';
export { INTERNAL_LIMITS, checkLength, checkRoomId, checkTagSet } from './internal-limits.js';
export { fillBucket, takeToken, type RateLimit, type TokenBucketState } from './token-bucket.js';
export {
  TickGatherer,
  isMethodMissing,
  type BatchItemResult,
  type TickGathererOptions,
} from './tick-gatherer.js';
export {
  streamedClient,
  DEFAULT_MAX_FRAME_BYTES,
  type StreamedClientOptions,
} from './stream/stream-client.js';
export { DEFAULT_STREAM_MAX_AGE_MS } from './stream/stream-server.js';
export { registerStreamMetrics } from './stream/stream-metrics.js';
export { streamStats, StreamStats } from './stream/stream-stats.js';
export { balancedClient, internalClient, type InternalStreamsConfig } from './stream/internal-client.js';
