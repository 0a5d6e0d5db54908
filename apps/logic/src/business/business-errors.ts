import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { isCleanText } from '../text-rules.js';

/** An INVALID_ARGUMENT naming the request field at fault. */
export function invalid(field: string, message: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, message, { field });
}

/** Free text (a nickname, a reason): at most `max` characters, no control characters. */
export function requireText(value: string, field: string, max: number): string {
  if (value.length > max || !isCleanText(value)) {
    throw invalid(field, `${field} must be at most ${max} characters without control characters`);
  }
  return value;
}

/** At most `max` entries: a bound on the work one request can ask for. */
export function requireCount<T>(list: readonly T[], field: string, max: number): readonly T[] {
  if (list.length > max) throw invalid(field, `${field} holds at most ${max} entries (got ${list.length})`);
  return list;
}
