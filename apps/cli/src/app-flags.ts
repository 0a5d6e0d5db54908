import { MAX_WEBHOOK_URL_LENGTH } from '@switchboard/storage';
import { parseDurationSeconds } from './duration.js';
import { UsageError } from './usage-error.js';

/** The flags the `app` commands read (parsed by main). */
export interface AppFlags {
  app?: string | undefined;
  name?: string | undefined;
  secret?: string | undefined;
  key?: string | undefined;
  grace?: string | undefined;
  url?: string | undefined;
  'webhook-secret'?: string | undefined;
  'allow-client-tags'?: string | undefined;
  'allow-room-sends'?: string | undefined;
  'show-secret'?: boolean | undefined;
  json?: boolean | undefined;
}

/** The value of a required flag, or a usage error naming the command. */
export function required(flags: AppFlags, flag: 'app' | 'key' | 'url', command: string): string {
  const value = flags[flag];
  if (!value) throw new UsageError(`${command} needs --${flag}`);
  return value;
}

/** `--grace`: a duration such as 90s, 10m, 1h, or 0 (the default) to retire the old secret at once. */
export function parseGraceMs(text: string | undefined): number {
  if (text === undefined || /^\s*0+[smhd]?\s*$/.test(text)) return 0;
  return parseDurationSeconds(text) * 1000;
}

/**
 * A per-app switch such as `--allow-client-tags true|false|default`: default (null) follows the
 * server's configuration; an absent flag (undefined) leaves the setting as it is.
 */
export function parseAppSwitch(flag: 'allow-client-tags' | 'allow-room-sends', text: string | undefined) {
  if (text === undefined) return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'default') return null;
  throw new UsageError(`--${flag}: expected true, false or default, got "${text}"`);
}

/** `--url`: an absolute http or https URL of at most MAX_WEBHOOK_URL_LENGTH characters. */
export function parseWebhookUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url: "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url: expected an http or https URL, got "${url.protocol}"`);
  }
  if (text.length > MAX_WEBHOOK_URL_LENGTH) {
    throw new UsageError(`--url: at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  }
  return text;
}
