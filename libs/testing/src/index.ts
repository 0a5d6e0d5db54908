// Helpers for integration and end-to-end tests: real processes, real ports.
export { freePort } from './free-port.js';
export { waitFor } from './wait-for.js';
export { ServiceProcess } from './service-process.js';
export { RedisCluster, type RedisClusterNode, type RedisClusterOptions } from './redis-cluster.js';
export { deleteRedisKeys } from './scratch-redis-keys.js';
export { ScratchRedis } from './scratch-redis.js';
export {
  formatChaosReport,
  runChaos,
  type ChaosEvent,
  type ChaosOptions,
  type ChaosReport,
  type ChaosTarget,
} from './chaos-run.js';
