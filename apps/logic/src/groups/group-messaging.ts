import type { Logger } from '@switchboard/log';
import { LogSummary } from '@switchboard/log';
import type { Counters } from '@switchboard/metrics';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type {
  AppendInput,
  AppendResult,
  ConversationMessage,
  Group,
  GroupSendTarget,
  Storage,
} from '@switchboard/storage';
import { encodeMessageWithoutSeq, messagePush } from '../client-message.js';
import type { Caller, PageLimits } from '../message-service.js';
import type { HistoryPage, SyncPage } from '../domain.js';
import { requireId } from '../ids.js';
import type { LogicCounter } from '../logic-metrics.js';
import type { MessageStore } from '../message-store.js';
import type { PushBatcher } from '../push-batcher.js';
import type { LogicRoutePort, UserPacket } from '../route-port.js';
import { groupRoomId } from './group-rooms.js';
import type { ConversationTraffic } from '../conversation-traffic.js';
import { byApp, TickBatcher } from '../tick-batcher.js';
import { OrderedRoomPushes } from './ordered-room-pushes.js';
import { eventContent, type GroupEvent } from './member-events.js';

const NO_PACKET = Buffer.alloc(0);

/** A send's group and sender, to look up before it is stored. */
interface SendKey {
  appId: string;
  groupId: string;
  userId: string;
}

/** A message to a group: from a member (with the device that sent it, if any) or from the system (empty sender). */
export interface GroupMessage {
  senderUserId: string;
  senderDeviceId: string;
  groupId: string;
  clientMsgId: string;
  contentType: string;
  content: Uint8Array;
}

export interface GroupSendResult {
  messageId: number;
  /**
   * What the sender's SendResponse.seq says: the sender's inbox seq in a small group (write
   * fan-out); 0 in a large one (read fan-out: no inbox entry) and for the system.
   */
  seq: number;
  conversationSeq: number;
  sentAt: number;
  duplicate: boolean;
}

/**
 * Group messages. Every group message is stored once in the group's conversation with the next
 * conversation seq. A small group (write fan-out) also gives every member an inbox entry with their
 * next inbox seq in the same transaction, and each member's devices get a push with that seq; a
 * large group (read fan-out) stores no inbox entries: the message goes once to each gate holding the
 * group's room (`sb:group:<id>`, which logic fills with the members' connections) and members that
 * were offline read it with SYNC_GROUP. Clients dedupe group messages by (group, conversation_seq),
 * which is what makes the switch from one mode to the other safe (docs/protocol.md §7).
 */
export class GroupMessaging {
  private readonly roomPushFailures: LogSummary;
  /** A large group's pushes leave in conversation-seq order (see OrderedRoomPushes). */
  private readonly roomPushes: OrderedRoomPushes;
  /**
   * The group and membership lookups of the sends made in one tick, as one statement per app
   * (`groups.sendTargets`). Each lookup is made after its send arrived, as a lookup of its own
   * would be, so a membership change answered before a send is seen by it: no cache to go stale
   * when another logic instance changes the group.
   */
  private readonly targets: TickBatcher<SendKey, GroupSendTarget | undefined>;

  constructor(
    private readonly storage: Storage,
    private readonly store: MessageStore,
    private readonly pushes: PushBatcher,
    private readonly route: LogicRoutePort,
    private readonly limits: PageLimits,
    private readonly counters: Counters<LogicCounter>,
    log: Logger,
    private readonly traffic?: ConversationTraffic,
  ) {
    this.roomPushes = new OrderedRoomPushes(route);
    this.targets = new TickBatcher((keys) => lookUpTargets(storage, keys), {
      one: (k) => storage.groups.sendTarget(k.appId, k.groupId, k.userId),
      // Lookups of several ticks at once: a slow one does not hold up the next tick's sends.
      concurrency: 4,
    });
    this.roomPushFailures = new LogSummary(log, 'group room push failed; members repair by SYNC_GROUP');
  }

  /**
   * Stores and delivers a member's (or the system's) message. `field` names the group id in the
   * caller's API for errors. Refuses an unknown group (GROUP_NOT_FOUND), a dissolved one
   * (GROUP_DISSOLVED) and a sender who is not a member (NOT_GROUP_MEMBER).
   */
  async send(
    appId: string,
    m: GroupMessage,
    deadline = Infinity,
    field = 'conversation.id',
  ): Promise<GroupSendResult> {
    requireId('group', m.groupId, field, ErrorCode.ERROR_CODE_INVALID_CONVERSATION);
    // One statement for the group and its members, shared by the tick's sends.
    const target = await this.targets.call({ appId, groupId: m.groupId, userId: m.senderUserId });
    if (!target) throw groupNotFound(m.groupId);
    if (target.dissolved) throw groupDissolved(m.groupId);
    if (m.senderUserId !== '' && !target.memberIds.includes(m.senderUserId)) throw notMember(m.groupId);
    // A large group's message goes in no inbox (read fan-out).
    const inboxUserIds = target.large ? [] : target.memberIds;
    return this.storeAndDeliver(appId, m.groupId, target.large, m, inboxUserIds, deadline, false);
  }

  /**
   * Stores a group event from the system (member changes, the mode switch, the dissolution) and
   * delivers it like any group message, also to a dissolved group (its last message says so).
   * `alsoTo` get an inbox entry besides the members: removed members learn of their removal.
   */
  async announce(
    appId: string,
    group: Group,
    event: GroupEvent,
    body: Record<string, unknown>,
    alsoTo: readonly string[] = [],
  ): Promise<void> {
    const inboxUserIds = group.large
      ? [...alsoTo]
      : await this.storage.groups
          .memberIds(appId, group.groupId)
          .then((members) => (alsoTo.length === 0 ? members : [...new Set([...members, ...alsoTo])]));
    await this.storeAndDeliver(
      appId,
      group.groupId,
      group.large,
      {
        senderUserId: '',
        senderDeviceId: '',
        groupId: group.groupId,
        clientMsgId: `sb-${crypto.randomUUID()}`,
        contentType: event,
        content: eventContent(body),
      },
      inboxUserIds,
      Infinity,
      true,
    );
  }

  /** SYNC_GROUP: the group's messages after `afterSeq` (and after the caller joined), ascending. */
  async sync(caller: Caller, groupId: string, afterSeq: number, limit: number): Promise<SyncPage> {
    const member = await this.readableBy(caller, groupId, 'group_id');
    const r = await this.storage.conversations.readGroup(
      caller.appId,
      groupId,
      Math.max(afterSeq, member.joinSeq),
      limit,
      this.limits.syncMaxBytes,
    );
    this.counters.add('group_syncs');
    return { messages: r.messages, hasMore: r.hasMore, maxSeq: r.maxSeq };
  }

  /** HISTORY of a group, newest first, members only, never before the caller joined. */
  async history(caller: Caller, groupId: string, beforeSeq: number, limit: number): Promise<HistoryPage> {
    const member = await this.readableBy(caller, groupId, 'conversation.id');
    return this.storage.messages.history({
      appId: caller.appId,
      userId: caller.userId,
      conversation: { type: 'group', id: groupId },
      beforeSeq,
      afterSeq: member.joinSeq,
      limit,
      maxBytes: this.limits.syncMaxBytes,
    });
  }

  /** The group, refusing an unknown (GROUP_NOT_FOUND) or dissolved (GROUP_DISSOLVED) one. */
  async liveGroup(appId: string, groupId: string): Promise<Group> {
    const group = await this.storage.groups.get(appId, groupId);
    if (!group) throw groupNotFound(groupId);
    if (group.dissolvedAt !== null) throw groupDissolved(groupId);
    return group;
  }

  /** A member may read a group, also once it was dissolved. */
  private async readableBy(caller: Caller, groupId: string, field: string) {
    requireId('group', groupId, field, ErrorCode.ERROR_CODE_INVALID_CONVERSATION);
    const [group, member] = await Promise.all([
      this.storage.groups.get(caller.appId, groupId),
      this.storage.groups.member(caller.appId, groupId, caller.userId),
    ]);
    if (!group) throw groupNotFound(groupId);
    if (!member) throw notMember(groupId);
    return member;
  }

  /** `inboxUserIds`: the members checked by the caller (none in a large group), and anyone told besides. */
  private async storeAndDeliver(
    appId: string,
    groupId: string,
    large: boolean,
    m: GroupMessage,
    inboxUserIds: string[],
    deadline: number,
    fromServer: boolean,
  ): Promise<GroupSendResult> {
    const fromSystem = m.senderUserId === '';
    const input: AppendInput = {
      appId,
      conversation: { type: 'group', key: groupId },
      senderUserId: m.senderUserId,
      senderDeviceId: m.senderDeviceId,
      targetId: groupId,
      clientMsgId: m.clientMsgId,
      contentType: m.contentType,
      content: m.content,
      sentAt: Date.now(),
      inboxUserIds,
    };
    const result = await this.store.append(input, deadline, fromServer);
    if (!result.duplicate) {
      this.counters.add(large ? 'group_sends_large' : 'group_sends_small');
      this.traffic?.note(appId, 'group', groupId);
      this.store.track(this.deliver(appId, large, input, result));
    }
    const own = fromSystem ? -1 : inboxUserIds.indexOf(m.senderUserId);
    return {
      messageId: result.messageId,
      seq: own >= 0 ? (result.inboxSeqs[own] ?? 0) : 0,
      conversationSeq: result.conversationSeq,
      sentAt: result.sentAt,
      duplicate: result.duplicate,
    };
  }

  private async deliver(appId: string, large: boolean, input: AppendInput, r: AppendResult): Promise<void> {
    const groupId = input.targetId;
    const message: ConversationMessage = {
      messageId: r.messageId,
      conversation: { type: 'group', id: groupId },
      conversationSeq: r.conversationSeq,
      senderUserId: input.senderUserId,
      senderDeviceId: input.senderDeviceId,
      clientMsgId: input.clientMsgId,
      contentType: input.contentType,
      content: input.content,
      sentAt: r.sentAt,
    };
    const exclude =
      input.senderDeviceId !== ''
        ? { userId: input.senderUserId, deviceId: input.senderDeviceId }
        : undefined;
    const users = input.inboxUserIds;
    let pushed = Promise.resolve();
    if (users.length > 0) {
      // Write fan-out: each member's push carries their own inbox seq. The Message is encoded once
      // and travels once; the gates splice each member's seq in (UserPacket.message).
      const packet: UserPacket = {
        userIds: users as string[],
        packet: NO_PACKET,
        message: encodeMessageWithoutSeq(message),
        seqs: r.inboxSeqs,
        // A template: each member but the sender found offline gets a copy naming them.
        offline: {
          messageId: r.messageId,
          senderUserId: input.senderUserId,
          recipientUserId: '',
          groupId,
          contentType: input.contentType,
          content: input.content,
          sentAt: r.sentAt,
        },
      };
      if (exclude) packet.exclude = exclude;
      pushed = this.pushes.push(appId, [packet]);
    }
    if (large) {
      // Read fan-out: one frame per gate holding the room; seq 0, as the message is in no inbox.
      try {
        await this.roomPushes.push(appId, groupRoomId(groupId), messagePush(message, 0), exclude);
      } catch (err) {
        // The message is stored: members find it by SYNC_GROUP when the next one shows a gap.
        this.counters.add('group_room_push_failures');
        this.roomPushFailures.add({ app: appId, group: groupId, err: String(err) });
      }
    }
    await pushed;
  }
}

/** The send targets of a tick's sends: one statement per app, answers in order. */
async function lookUpTargets(
  storage: Storage,
  keys: readonly SendKey[],
): Promise<Array<GroupSendTarget | undefined>> {
  const out = new Array<GroupSendTarget | undefined>(keys.length);
  for (const [appId, at] of byApp(keys)) {
    const found = await storage.groups.sendTargets(
      appId,
      at.map((i) => ({ groupId: keys[i]!.groupId, userId: keys[i]!.userId })),
    );
    for (let j = 0; j < at.length; j++) out[at[j]!] = found[j];
  }
  return out;
}

export function groupNotFound(groupId: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.ERROR_CODE_GROUP_NOT_FOUND, `group "${groupId}" not found`);
}

function groupDissolved(groupId: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.ERROR_CODE_GROUP_DISSOLVED, `group "${groupId}" was dissolved`);
}

export function notMember(groupId: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER, `not a member of group "${groupId}"`);
}
