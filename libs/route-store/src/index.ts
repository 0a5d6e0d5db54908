export type {
  BindResult,
  Binding,
  GateInfo,
  GateLease,
  GateRenewal,
  NewBinding,
  RouteStore,
} from './route-store.js';
export { RouteStoreError, type RouteStoreErrorCode } from './route-store-error.js';
export { MemoryRouteStore, type MemoryRouteStoreOptions } from './memory-route-store.js';
export { RedisRouteStore, type RedisRouteStoreOptions } from './redis-route-store.js';
export { type RedisRouteClient } from './redis-client.js';
export { RouteKeys } from './redis-keys.js';
