import { Metadata, status, type ServiceError } from '@grpc/grpc-js';

/**
 * The ServiceError grpc-js gives a unary call that ended with `code` (its message, code, details
 * and trailers), rebuilt from a reply frame or a stream's end so that `fromServiceError` reads it
 * exactly as it reads the unary call's.
 */
export function serviceError(
  code: number,
  details: string,
  entries: ReadonlyArray<readonly [string, string]> | Metadata = [],
): ServiceError {
  let metadata: Metadata;
  if (entries instanceof Metadata) metadata = entries;
  else {
    metadata = new Metadata();
    for (const [k, v] of entries) {
      try {
        metadata.set(k, v);
      } catch {
        // A key or value grpc-js would not have accepted as a trailer either.
      }
    }
  }
  return Object.assign(new Error(`${code} ${status[code] ?? 'UNKNOWN'}: ${details}`), {
    code,
    details,
    metadata,
  });
}
