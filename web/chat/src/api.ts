// The dev-only endpoints the suite serves next to this page (logic.api.devChat, embedded profile only).

export interface TokenGrant {
  token: string;
  /** The WebSocket gate to connect to. */
  url: string;
  appId: string;
  user: string;
  device: string;
}

export interface UserEntry {
  user: string;
  online: boolean;
}

export interface GroupEntry {
  group: string;
  name: string;
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`/chat/api/${path}`, {
    ...init,
    headers: init?.body ? { 'content-type': 'application/json' } : {},
  });
  const body = (await res.json().catch(() => ({}))) as T & { message?: string };
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  return body;
}

/** A token for `user` on `device` (a fresh device id when none is given). */
export function fetchToken(user: string, device?: string): Promise<TokenGrant> {
  return call('token', { method: 'POST', body: JSON.stringify(device ? { user, device } : { user }) });
}

export async function listUsers(): Promise<UserEntry[]> {
  return (await call<{ users: UserEntry[] }>('users')).users;
}

export async function listGroups(user: string): Promise<GroupEntry[]> {
  return (await call<{ groups: GroupEntry[] }>(`groups?user=${encodeURIComponent(user)}`)).groups;
}

export function createGroup(owner: string, name: string, members: string[]): Promise<GroupEntry> {
  return call('groups', { method: 'POST', body: JSON.stringify({ owner, name, members }) });
}
