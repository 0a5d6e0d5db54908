import { ErrorCode, errorCodeToJSON } from '@switchboard/proto/client';

/** HTTP status of each catalog code the business API answers with; others are 400 (see below). */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.ERROR_CODE_INVALID_ARGUMENT]: 400,
  [ErrorCode.ERROR_CODE_INVALID_CONVERSATION]: 400,
  [ErrorCode.ERROR_CODE_CONTENT_TOO_LARGE]: 400,
  [ErrorCode.ERROR_CODE_LIMIT_EXCEEDED]: 400,
  [ErrorCode.ERROR_CODE_INVALID_API_KEY]: 401,
  [ErrorCode.ERROR_CODE_UNAUTHENTICATED]: 401,
  [ErrorCode.ERROR_CODE_APP_NOT_FOUND]: 401,
  [ErrorCode.ERROR_CODE_PERMISSION_DENIED]: 403,
  [ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER]: 403,
  [ErrorCode.ERROR_CODE_NOT_FOUND]: 404,
  [ErrorCode.ERROR_CODE_USER_NOT_FOUND]: 404,
  [ErrorCode.ERROR_CODE_GROUP_NOT_FOUND]: 404,
  [ErrorCode.ERROR_CODE_ALREADY_EXISTS]: 409,
  [ErrorCode.ERROR_CODE_GROUP_DISSOLVED]: 409,
  [ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.ERROR_CODE_RATE_LIMITED]: 429,
  [ErrorCode.ERROR_CODE_INTERNAL]: 500,
  [ErrorCode.ERROR_CODE_UNAVAILABLE]: 503,
  [ErrorCode.ERROR_CODE_TIMEOUT]: 504,
};

/**
 * The HTTP status for a catalog code. A code without an entry (the client-protocol codes, which
 * the business API does not use) is a failed request of the caller's: 400.
 */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 400;
}

/** The JSON error body: `{"code": "ERROR_CODE_…", "message": "…", "field": "…"}` (field when known). */
export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
}

export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  return field ? { code: errorCodeToJSON(code), message, field } : { code: errorCodeToJSON(code), message };
}
