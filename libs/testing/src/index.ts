// Helpers for integration and end-to-end tests (real processes, real ports), and the cluster
// launcher behind `npm run cluster`, which the distributed end-to-end tests use too.
export { freePort } from './free-port.js';
export { waitFor } from './wait-for.js';
export {
  compiledEntry,
  ServiceProcess,
  workspaceRoot,
  type ServiceProcessOptions,
} from './service-process.js';
export { buildApps } from './build-apps.js';
export { RedisCluster, type RedisClusterNode, type RedisClusterOptions } from './redis-cluster.js';
export { deleteRedisKeys, wipeRedisKeys } from './scratch-redis-keys.js';
export { ScratchRedis } from './scratch-redis.js';
export {
  formatChaosReport,
  runChaos,
  type ChaosEvent,
  type ChaosOptions,
  type ChaosReport,
  type ChaosTarget,
} from './chaos-run.js';
export {
  startCluster,
  clusterApps,
  CLUSTER_DEFAULTS,
  type Cluster,
  type ClusterApp,
  type ClusterOptions,
  type ClusterService,
} from './cluster.js';
export { testToken } from './test-token.js';
export { makeInternalPki, type InternalPki } from './internal-pki.js';
