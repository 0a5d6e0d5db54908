// The error catalog alone, for code that also runs in a browser: none of the framing or codec
// modules (they use Node's Buffer) are reachable from here.
export {
  closeActionFor,
  ERROR_CATALOG,
  errorInfo,
  isErrorCode,
  isRetryable,
  type CloseAction,
  type ErrorInfo,
} from './errors.js';
export { SwitchboardError } from './switchboard-error.js';
export { errorCodeFromWsClose, WS_CLOSE_CODE_BASE, wsCloseCode } from './ws-close-code.js';
export { ErrorCode } from '@switchboard/proto/client-errors';
