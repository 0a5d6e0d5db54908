export { runService, type RunServiceOptions, type Stoppable } from './run-service.js';
export { explainPortInUse, portInUse } from './port-in-use.js';
