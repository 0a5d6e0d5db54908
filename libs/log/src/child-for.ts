import type { Logger } from 'pino';

/**
 * Binding names shared by every service, so one query finds a connection or a user across
 * gate, route and logic logs. Add other fields freely; keep these names for these meanings.
 */
export interface LogBindings {
  /** Connection id, unique within its gate. */
  conn?: string | number;
  /** Gate id (the instance holding the connection). */
  gate?: string;
  /** Tenant (app) id. */
  app?: string;
  /** User id. */
  user?: string;
  /** Device id. */
  device?: string;
  /** Room id. */
  room?: string;
  /** Request id of the packet or RPC being handled. */
  req?: string | number;
  [field: string]: unknown;
}

/**
 * Returns a child logger whose lines carry `bindings`; fields set to `undefined` are left out
 * rather than written as empty. A child costs a few hundred bytes: for idle connections, build it
 * when there is something to log rather than keeping one per connection.
 */
export function childFor(logger: Logger, bindings: LogBindings): Logger {
  const defined: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(bindings)) {
    if (value !== undefined) defined[key] = value;
  }
  return logger.child(defined);
}
