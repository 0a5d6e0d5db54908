import type { Counters } from '@switchboard/metrics';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { StorageError, type ConversationRef, type Storage } from '@switchboard/storage';
import { readReceiptPush } from './client-message.js';
import type { ConversationTarget } from './domain.js';
import { groupNotFound, notMember } from './groups/group-messaging.js';
import { requireId } from './ids.js';
import type { LogicCounter } from './logic-metrics.js';
import type { Caller } from './message-service.js';
import type { PushBatcher } from './push-batcher.js';
import type { UserPacket } from './route-port.js';

/**
 * READ: a user's read cursor in one conversation moves forward (never back), and the devices that
 * care hear of it with a READ_RECEIPT push: the reader's other devices (to clear their unread
 * badges) and the other participants (1:1 peer; every member of a small group). Members of a large
 * group are not told of each other's reads: that would be one push per member per read.
 */
export class ReadReceipts {
  constructor(
    private readonly storage: Storage,
    private readonly pushes: PushBatcher,
    private readonly counters: Counters<LogicCounter>,
  ) {}

  /** Resolves with the caller's read cursor after the call. */
  async read(caller: Caller, conversation: ConversationTarget, seq: number): Promise<number> {
    const { appId, userId, deviceId } = caller;
    const exclude = { userId, deviceId };
    switch (conversation.type) {
      case 'user': {
        const peer = requireId(
          'user',
          conversation.id,
          'conversation.id',
          ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
        );
        const mark = await this.mark(caller, { type: 'user', id: peer }, seq, noConversation);
        if (!mark.changed) return mark.readSeq;
        const packets: UserPacket[] = [
          {
            userIds: [userId],
            packet: readReceiptPush({ type: 'user', id: peer }, userId, deviceId, mark.readSeq),
            exclude,
          },
        ];
        if (peer !== userId) {
          packets.push({
            userIds: [peer],
            packet: readReceiptPush({ type: 'user', id: userId }, userId, deviceId, mark.readSeq),
          });
        }
        return this.tell(appId, packets, mark.readSeq);
      }
      case 'system': {
        const ref: ConversationRef = { type: 'system', id: '' };
        const mark = await this.mark(caller, ref, seq, noConversation);
        if (!mark.changed) return mark.readSeq;
        return this.tell(
          appId,
          [{ userIds: [userId], packet: readReceiptPush(ref, userId, deviceId, mark.readSeq), exclude }],
          mark.readSeq,
        );
      }
      case 'group': {
        const groupId = requireId(
          'group',
          conversation.id,
          'conversation.id',
          ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
        );
        const group = await this.storage.groups.get(appId, groupId);
        if (!group) throw groupNotFound(groupId);
        const ref: ConversationRef = { type: 'group', id: groupId };
        const mark = await this.mark(caller, ref, seq, () => notMember(groupId));
        if (!mark.changed) return mark.readSeq;
        const receivers = group.large ? [userId] : await this.storage.groups.memberIds(appId, groupId);
        return this.tell(
          appId,
          [{ userIds: receivers, packet: readReceiptPush(ref, userId, deviceId, mark.readSeq), exclude }],
          mark.readSeq,
        );
      }
      default:
        throw new SwitchboardError(
          ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
          'READ names a user, system or group conversation',
          { field: 'conversation.type' },
        );
    }
  }

  private async mark(caller: Caller, ref: ConversationRef, seq: number, missing: () => SwitchboardError) {
    try {
      return await this.storage.conversations.markRead(caller.appId, caller.userId, ref, seq);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NOT_FOUND') throw missing();
      throw err;
    }
  }

  private tell(appId: string, packets: UserPacket[], readSeq: number): number {
    this.counters.add('read_receipts');
    // Never rejects (see PushBatcher); a lost receipt is repaired by the conversation list.
    void this.pushes.push(appId, packets);
    return readSeq;
  }
}

function noConversation(): SwitchboardError {
  return new SwitchboardError(
    ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
    'no such conversation: nothing was sent in it yet',
  );
}
