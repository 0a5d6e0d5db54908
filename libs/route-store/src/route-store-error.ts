/**
 * Stable codes of `RouteStoreError`. The route service maps them to its own catalog:
 * - `GATE_NOT_LIVE`: the gate named in `bind` or `joinRoom` has no live lease; it must renew first.
 * - `INVALID_ARGUMENT`: an argument is malformed (empty id, non-positive TTL or epoch).
 * - `CONFLICT`: concurrent writes to the same device kept changing it; retrying can succeed.
 */
export type RouteStoreErrorCode = 'GATE_NOT_LIVE' | 'INVALID_ARGUMENT' | 'CONFLICT';

/** An expected failure of a `RouteStore` call, carrying a stable code. Anything else is a bug or an outage. */
export class RouteStoreError extends Error {
  constructor(
    readonly code: RouteStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RouteStoreError';
  }
}
