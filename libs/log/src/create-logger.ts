import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { REDACTED, secretRedactPaths } from './redact-paths.js';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written; `silent` writes nothing. */
  level: LevelWithSilent;
  /** Value of the `service` field on every line (`gate`, `route`, `logic`, `cli`...). */
  service: string;
  /**
   * Friendlier output for a person at a terminal: level names instead of numbers and ISO
   * timestamps instead of epoch milliseconds. Still one JSON object per line (no pino-pretty),
   * so the same output can be piped to `jq`.
   */
  pretty?: boolean;
  /** Where lines go; defaults to stdout. Tests pass an in-memory stream. */
  destination?: DestinationStream;
  /** Extra pino redact paths on top of the built-in secret fields. */
  redact?: readonly string[];
}

/**
 * Builds the root logger for one service. Every line carries `{ service }`; secrets listed in
 * `SECRET_FIELDS` are replaced by `[REDACTED]` before the line is serialised.
 */
export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? false;
  const logOptions = {
    level: options.level,
    base: { service: options.service },
    redact: { paths: secretRedactPaths(options.redact), censor: REDACTED },
    ...(pretty
      ? {
          timestamp: pino.stdTimeFunctions.isoTime,
          formatters: { level: (label: string) => ({ level: label }) },
        }
      : {}),
  };
  return options.destination ? pino(logOptions, options.destination) : pino(logOptions);
}
