import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { isCleanText } from './text-rules.js';

/** How logic decides a connection's tags (config `logic.tags`). */
export interface TagLimits {
  /** Whether the client's own SignInRequest.tags are accepted (else only the token's claim counts). */
  allowClientDeclared: boolean;
  /** Most tags one connection carries. */
  maxPerConnection: number;
  /** Longest tag, in characters. */
  maxLength: number;
}

/** Whether `tag` may be a tag at all: 1 to `maxLength` characters, no control characters. */
export function isValidTag(tag: string, limits: Pick<TagLimits, 'maxLength'>): boolean {
  return tag.length > 0 && tag.length <= limits.maxLength && isCleanText(tag);
}

/**
 * A connection's tags: the token's `tags` claim (the app's backend decided them), plus the tags the
 * client declared when the configuration allows it, deduplicated and bounded. Gates index exactly
 * these; a client can never add a tag (and so receive a tag push) its app did not grant.
 */
export function connectionTags(
  fromToken: readonly string[],
  declared: readonly string[],
  limits: TagLimits,
): string[] {
  if (declared.length > 0 && !limits.allowClientDeclared) {
    throw new SwitchboardError(
      ErrorCode.ERROR_CODE_PERMISSION_DENIED,
      'this server does not accept client-declared tags; put them in the token’s tags claim',
    );
  }
  const tags = new Set<string>();
  for (const [source, list] of [
    ['token', fromToken],
    ['sign-in', declared],
  ] as const) {
    for (const tag of list) {
      if (!isValidTag(tag, limits)) {
        throw new SwitchboardError(
          source === 'token' ? ErrorCode.ERROR_CODE_TOKEN_INVALID : ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
          `${source} tags must be 1-${limits.maxLength} characters without control characters`,
        );
      }
      tags.add(tag);
    }
  }
  if (tags.size > limits.maxPerConnection) {
    throw new SwitchboardError(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
      `a connection carries at most ${limits.maxPerConnection} tags (got ${tags.size})`,
    );
  }
  return [...tags];
}
