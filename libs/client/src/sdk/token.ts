/** A token, or something that fetches one (from the app's backend); called again when one is needed. */
export type TokenSource = string | (() => string | Promise<string>);

/** The token's `exp` claim in Unix ms, or undefined when it cannot be read (the server decides anyway). */
export function tokenExpiresAt(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Hands out the token for each sign-in: a fixed string as is; from a provider, the one it gave last
 * unless that one expires within `marginMs` (then a fresh one), or after {@link invalidate} (the
 * server refused it: TOKEN_EXPIRED, TOKEN_REVOKED, ...).
 */
export class TokenKeeper {
  private current: string | undefined;

  constructor(
    private readonly source: TokenSource,
    private readonly marginMs: number,
  ) {}

  /** False for a fixed token: nothing can replace it when the server refuses it. */
  get refreshable(): boolean {
    return typeof this.source === 'function';
  }

  async get(): Promise<string> {
    if (typeof this.source === 'string') return this.source;
    const expiresAt = this.current === undefined ? undefined : tokenExpiresAt(this.current);
    if (this.current === undefined || (expiresAt !== undefined && expiresAt - Date.now() < this.marginMs))
      this.current = await this.source();
    return this.current;
  }

  invalidate(): void {
    this.current = undefined;
  }
}
