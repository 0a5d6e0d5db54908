export type { Logger, LevelWithSilent as LogLevel, DestinationStream } from 'pino';
export { createLogger, type LoggerOptions } from './create-logger.js';
export { childFor, type LogBindings } from './child-for.js';
export { REDACTED, SECRET_FIELDS, secretRedactPaths } from './redact-paths.js';
export { memoryDestination, type MemoryDestination } from './memory-destination.js';
export { LogSummary, type LogSummaryOptions } from './log-summary.js';
