import type { App } from '@switchboard/storage';
import { describe, expect, it } from 'vitest';
import { appCredentials } from './app-credentials.js';

const app: App = {
  appId: 'a',
  name: 'a',
  tokenSecret: 'new',
  previousTokenSecret: 'old',
  previousSecretValidUntil: 1_000,
  webhookUrl: null,
  webhookSecret: null,
  allowClientTags: true,
  allowClientRoomSends: null,
  createdAt: 0,
};

describe('appCredentials', () => {
  it('builds an app row’s credentials once, and drops the previous secret when its grace ends', async () => {
    let t = 500;
    const reads: boolean[] = [];
    const lookup = appCredentials(
      async (appId, fresh = false) => {
        reads.push(fresh);
        return appId === 'a' ? app : undefined;
      },
      () => t,
    );
    const first = await lookup('a');
    expect(first).toEqual({ secrets: ['new', 'old'], allowClientTags: true });
    expect(await lookup('a')).toBe(first);
    t = 1_000;
    expect(await lookup('a')).toEqual({ secrets: ['new'], allowClientTags: true });
    expect(await lookup('a', true)).toEqual({ secrets: ['new'], allowClientTags: true });
    expect(reads).toEqual([false, false, false, true]);
    expect(await lookup('b')).toBeUndefined();
  });
});
