import { type OfflinePushEvent, webhookBodyOf } from './offline-push-event.js';
import { signWebhook } from './signature.js';

/** Where and with which secret an app receives its offline-push webhooks. */
export interface WebhookTarget {
  readonly url: string;
  /** The HMAC key of `X-Switchboard-Signature`; never logged. */
  readonly secret: string;
}

/** How one POST ended. `retryAfterMs` is the receiver's `Retry-After`, when it sent one. */
export type PostOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'retry'; readonly error: string; readonly retryAfterMs?: number }
  | { readonly kind: 'permanent'; readonly error: string };

/**
 * POSTs one event to a webhook and classifies the result:
 * - 2xx: delivered;
 * - 408, 429, 5xx, a network error or the timeout: worth retrying;
 * - 3xx (redirects are never followed, so a webhook cannot send us to another host) and any other
 *   4xx: permanent, the event goes to the dead letters at once.
 */
export async function postWebhook(
  target: WebhookTarget,
  event: OfflinePushEvent,
  timeoutMs: number,
  nowSeconds: number,
): Promise<PostOutcome> {
  if (!isHttpUrl(target.url)) return { kind: 'permanent', error: 'invalid webhook URL' };
  const body = webhookBodyOf(event);
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'Content-Type': 'application/json',
        'X-Switchboard-Timestamp': String(nowSeconds),
        'X-Switchboard-Signature': signWebhook(target.secret, nowSeconds, body),
        'X-Switchboard-Event-Id': event.id,
      },
    });
  } catch (err) {
    return { kind: 'retry', error: describeFetchError(err, timeoutMs) };
  }
  // The body is not read: nothing in it matters, and a receiver could make it arbitrarily large.
  await response.body?.cancel().catch(() => {});
  const status = response.status;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = retryAfterOf(response.headers.get('retry-after'));
    return retryAfterMs === undefined
      ? { kind: 'retry', error: `HTTP ${status}` }
      : { kind: 'retry', error: `HTTP ${status}`, retryAfterMs };
  }
  if (status >= 300 && status < 400)
    return { kind: 'permanent', error: `HTTP ${status} (redirect not followed)` };
  return { kind: 'permanent', error: `HTTP ${status}` };
}

/** The scheme, host and path of a webhook URL: what may be logged (no credentials, no query). */
export function loggableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `timeout after ${timeoutMs} ms`;
  }
  const cause =
    err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail =
    typeof cause?.code === 'string' ? cause.code : err instanceof Error ? err.message : String(err);
  return `network error: ${detail}`;
}

function retryAfterOf(header: string | null): number | undefined {
  if (header === null || !/^\d{1,9}$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}
