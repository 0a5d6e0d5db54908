import type { Storage } from '@switchboard/storage';
import { BENCH_APP_ID, CONTENT_BYTES, type PlannedSend } from './workload.js';

/** An acknowledged send as one party should find it in their inbox. */
interface Expected {
  messageId: number;
  /** This party's seq when the acknowledgement told it (gRPC only returns the sender's). */
  seq: number | undefined;
}

/** The outcome of checking the sampled inboxes. */
export interface InboxReport {
  users: number;
  /** Inbox entries read back. */
  entries: number;
  /** Human-readable descriptions of everything wrong; empty when the data is sound. */
  problems: string[];
}

const PAGE = 1000;
const MAX_PROBLEMS = 20;

/**
 * Remembers what was acknowledged to senders for a sample of users, then reads their inboxes back
 * and checks them: seqs are exactly 1..maxSeq with no gap or repeat, each acknowledged message is
 * there once (at the seq the acknowledgement gave), and any extra entries are explained by sends
 * whose outcome the client never learned (failed or timed out, possibly committed).
 */
export class InboxLedger {
  private readonly expected = new Map<string, Expected[]>();
  private readonly unknown = new Map<string, number>();

  constructor(sampledUserIds: readonly string[]) {
    for (const userId of sampledUserIds) {
      this.expected.set(userId, []);
      this.unknown.set(userId, 0);
    }
  }

  acknowledged(send: PlannedSend, messageId: number, senderSeq: number, recipientSeq?: number): void {
    this.expected.get(send.senderUserId)?.push({ messageId, seq: senderSeq });
    this.expected.get(send.recipientUserId)?.push({ messageId, seq: recipientSeq });
  }

  failed(send: PlannedSend): void {
    for (const userId of [send.senderUserId, send.recipientUserId]) {
      const count = this.unknown.get(userId);
      if (count !== undefined) this.unknown.set(userId, count + 1);
    }
  }

  async verify(storage: Storage): Promise<InboxReport> {
    const report: InboxReport = { users: 0, entries: 0, problems: [] };
    const problem = (text: string) => {
      if (report.problems.length < MAX_PROBLEMS) report.problems.push(text);
    };
    for (const [userId, expected] of this.expected) {
      report.users++;
      const { seqToMessage, maxSeq, badContent } = await readInbox(storage, userId);
      report.entries += seqToMessage.size;
      if (badContent > 0) problem(`${userId}: ${badContent} messages with content of the wrong size`);
      for (let seq = 1; seq <= maxSeq; seq++) {
        if (!seqToMessage.has(seq)) problem(`${userId}: seq ${seq} missing (max ${maxSeq})`);
      }
      if (seqToMessage.size !== maxSeq) problem(`${userId}: ${seqToMessage.size} entries, max seq ${maxSeq}`);
      const seqOfMessage = new Map<number, number>();
      for (const [seq, messageId] of seqToMessage) {
        if (seqOfMessage.has(messageId)) problem(`${userId}: message ${messageId} twice in the inbox`);
        seqOfMessage.set(messageId, seq);
      }
      for (const e of expected) {
        const seq = seqOfMessage.get(e.messageId);
        if (seq === undefined) problem(`${userId}: acknowledged message ${e.messageId} not in the inbox`);
        else if (e.seq !== undefined && e.seq !== seq) {
          problem(`${userId}: message ${e.messageId} acknowledged with seq ${e.seq}, stored at ${seq}`);
        }
      }
      const extra = seqToMessage.size - expected.length;
      const unknown = this.unknown.get(userId) ?? 0;
      if (extra < 0 || extra > unknown) {
        problem(`${userId}: ${seqToMessage.size} entries for ${expected.length} acknowledged sends`);
      }
    }
    return report;
  }
}

async function readInbox(
  storage: Storage,
  userId: string,
): Promise<{ seqToMessage: Map<number, number>; maxSeq: number; badContent: number }> {
  const seqToMessage = new Map<number, number>();
  let after = 0;
  let maxSeq = 0;
  let badContent = 0;
  for (;;) {
    const page = await storage.messages.syncInbox(BENCH_APP_ID, userId, after, PAGE);
    maxSeq = page.maxSeq;
    for (const m of page.messages) {
      seqToMessage.set(m.seq, m.messageId);
      if (m.content.byteLength !== CONTENT_BYTES) badContent++;
      after = m.seq;
    }
    if (!page.hasMore || page.messages.length === 0) break;
  }
  return { seqToMessage, maxSeq, badContent };
}
