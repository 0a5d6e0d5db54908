import type { Deadline } from '@grpc/grpc-js';

/**
 * A server call's deadline in Unix ms (Infinity when the caller set none), from a grpc-js call or
 * a `DetachedCall` alike: grpc-js hands a Date or a number.
 */
export function deadlineOf(call: { getDeadline(): Deadline }): number {
  const d = call.getDeadline();
  return d instanceof Date ? d.getTime() : d;
}
