// Helpers for integration and end-to-end tests: real processes, real ports.
export { freePort } from './free-port.js';
export { waitFor } from './wait-for.js';
export { ServiceProcess } from './service-process.js';
export { RedisCluster, type RedisClusterNode, type RedisClusterOptions } from './redis-cluster.js';
export { deleteRedisKeys } from './scratch-redis-keys.js';
