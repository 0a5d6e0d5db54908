import { ConversationType, HistoryResponse, SyncResponse } from '@switchboard/proto/client';
import { expect } from 'vitest';
import { signedIn } from './clients.js';
import type { Endpoints } from './chat-scenarios.js';

/** The default `logic.maxContentBytes`: the largest message a client may send. */
const CONTENT_BYTES = 60_000;
const MESSAGES = 120;
/** A page's encoded size must stay well under the gate's 1 MiB send queue (the default `logic.syncMaxBytes` is 256 KiB). */
const PAGE_BYTES_MAX = 256 * 1024 + CONTENT_BYTES;
/** The gate allows 50 packets/s after a burst of 100; send at most this many per second. */
const SENDS_PER_SECOND = 40;

/**
 * Issue 6 part 5: any user can fill another's inbox with ~7 MB of maximum-size messages. The
 * victim's SYNC and HISTORY must still page through all of them (bounded by bytes as well as
 * count, at least one message a page) instead of failing with a retryable error forever.
 */
export async function bigInboxScenario(ep: Endpoints, run: string): Promise<void> {
  const sender = `flooder-${run}`;
  const victim = `victim-${run}`;
  const s = await signedIn(ep.otherUrl, await ep.token(sender), 'bot');
  const started = Date.now();
  for (let i = 0; i < MESSAGES; i++) {
    const content = Buffer.alloc(CONTENT_BYTES, i % 256);
    await s.client.send({
      clientMsgId: `big-${i}`,
      conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: victim },
      contentType: 'blob',
      content,
    });
    const due = started + ((i + 1) * 1000) / SENDS_PER_SECOND;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  s.client.close();

  const v = await signedIn(ep.tcpUrl, await ep.token(victim), 'phone');
  expect(v.res.maxSeq).toBe(MESSAGES);

  // SYNC: ask for more than fits; follow has_more until done.
  const seqs: number[] = [];
  let after = 0;
  let pages = 0;
  for (;;) {
    const page = await v.client.sync(after, 200);
    pages++;
    expect(page.messages.length).toBeGreaterThan(0);
    expect(SyncResponse.encode(page).finish().length).toBeLessThanOrEqual(PAGE_BYTES_MAX);
    for (const m of page.messages) {
      expect(m.content.length).toBe(CONTENT_BYTES);
      expect(m.content[0]).toBe((m.seq - 1) % 256);
      seqs.push(m.seq);
    }
    after = page.messages.at(-1)!.seq;
    if (!page.hasMore) break;
  }
  expect(seqs).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
  expect(pages).toBeGreaterThan(1);

  // HISTORY of the conversation, newest first, the same way.
  const conversationSeqs: number[] = [];
  let before = 0;
  for (;;) {
    const page = await v.client.history(sender, before, 200);
    expect(page.messages.length).toBeGreaterThan(0);
    expect(HistoryResponse.encode(page).finish().length).toBeLessThanOrEqual(PAGE_BYTES_MAX);
    conversationSeqs.push(...page.messages.map((m) => m.conversationSeq));
    before = page.messages.at(-1)!.conversationSeq;
    if (!page.hasMore) break;
  }
  expect(conversationSeqs).toEqual(Array.from({ length: MESSAGES }, (_, i) => MESSAGES - i));
  v.client.close();
}
