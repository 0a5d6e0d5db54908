import type { Counters } from '@switchboard/metrics';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { CachedApps } from './app-credentials.js';
import { messagePush } from './client-message.js';
import { checkContent } from './content-rules.js';
import type { SendInput } from './domain.js';
import { requireClientRoomId } from './ids.js';
import type { ConversationTraffic } from './conversation-traffic.js';
import type { LogicCounter } from './logic-metrics.js';
import type { Caller } from './message-service.js';
import type { LogicRoutePort } from './route-port.js';

export interface RoomMessagingOptions {
  maxContentBytes: number;
  /** `logic.allowClientRoomSends`: what an app without its own setting allows. */
  allowClientRoomSends: boolean;
}

/**
 * A client's SEND to a room: live only (never stored, message_id and seqs 0), pushed once to each
 * gate holding subscribers. The gate has checked that the connection subscribes to the room; logic
 * checks that the app lets clients send to rooms at all (off by default: a room is usually a
 * channel the app's servers speak in).
 */
export class RoomMessaging {
  constructor(
    private readonly apps: CachedApps,
    private readonly route: LogicRoutePort,
    private readonly options: RoomMessagingOptions,
    private readonly counters: Counters<LogicCounter>,
    private readonly traffic?: ConversationTraffic,
  ) {}

  /** Resolves with the time the message was sent at (Unix ms). */
  async sendFromClient(caller: Caller, roomId: string, req: SendInput): Promise<number> {
    requireClientRoomId(roomId, 'conversation.id');
    const app = await this.apps(caller.appId);
    if (!(app?.allowClientRoomSends ?? this.options.allowClientRoomSends)) {
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_ROOM_SEND_NOT_ALLOWED,
        'this app does not let clients send to rooms',
      );
    }
    checkContent(req.contentType, req.content, this.options.maxContentBytes);
    const sentAt = Date.now();
    const packet = messagePush(
      {
        messageId: 0,
        conversation: { type: 'room', id: roomId },
        conversationSeq: 0,
        senderUserId: caller.userId,
        senderDeviceId: caller.deviceId,
        clientMsgId: req.clientMsgId,
        contentType: req.contentType,
        content: req.content,
        sentAt,
      },
      0,
    );
    await this.route.deliverToRoom(caller.appId, roomId, packet, {
      userId: caller.userId,
      deviceId: caller.deviceId,
    });
    this.counters.add('room_sends');
    this.traffic?.note(caller.appId, 'room', roomId);
    return sentAt;
  }
}
