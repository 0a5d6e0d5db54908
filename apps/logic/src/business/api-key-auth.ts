import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { constantTimeEqual, hashApiKey, parseApiKey, type Storage } from '@switchboard/storage';

/** Who a business API call acts for: the app of its key. */
export interface ApiKeyCaller {
  appId: string;
  keyId: string;
}

export interface ApiKeyAuthOptions {
  /**
   * How long a key found valid is trusted without asking the database again: a revoked key keeps
   * working at most this long on each logic instance. Default 5 s.
   */
  cacheMs?: number;
  /** Most keys cached. Default 10,000. */
  maxCached?: number;
  now?: () => number;
}

/**
 * Checks `Authorization: Bearer` keys against the stored hashes. Keys are random (see api-key.ts in
 * storage), so a SHA-256 lookup is enough; the comparison is constant-time all the same. A failure
 * never says whether the key id exists.
 */
export class ApiKeyAuth {
  private readonly cache = new Map<string, { caller: ApiKeyCaller; hash: string; until: number }>();
  private readonly cacheMs: number;
  private readonly maxCached: number;
  private readonly now: () => number;

  constructor(
    private readonly storage: Storage,
    options: ApiKeyAuthOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 5_000;
    this.maxCached = options.maxCached ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  readonly authenticate = async (key: string): Promise<ApiKeyCaller> => {
    const parsed = parseApiKey(key);
    if (!parsed) throw refused();
    const hash = hashApiKey(key);
    const now = this.now();
    const cached = this.cache.get(parsed.keyId);
    if (cached && cached.until > now && constantTimeEqual(cached.hash, hash)) return cached.caller;
    const found = await this.storage.apiKeys.findActive(parsed.keyId);
    if (!found || !constantTimeEqual(found.keyHash, hash)) {
      this.cache.delete(parsed.keyId);
      throw refused();
    }
    const caller = { appId: found.appId, keyId: found.keyId };
    if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(parsed.keyId, { caller, hash, until: now + this.cacheMs });
    return caller;
  };
}

function refused(): SwitchboardError {
  return new SwitchboardError(
    ErrorCode.ERROR_CODE_INVALID_API_KEY,
    'the API key is missing, unknown or revoked',
  );
}
