export { runService, type RunServiceOptions, type Stoppable } from './run-service.js';
