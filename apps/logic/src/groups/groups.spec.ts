import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@switchboard/log';
import { ErrorCode, Message, Packet, PacketType, ReadReceipt } from '@switchboard/proto/client';
import { createStorage, type Storage } from '@switchboard/storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logicCounters } from '../logic-metrics.js';
import { MessageStore } from '../message-store.js';
import { PushBatcher } from '../push-batcher.js';
import { ReadReceipts } from '../read-receipts.js';
import type { DeliveryStats, UserPacket } from '../route-port.js';
import { SendBatcher } from '../send-batcher.js';
import { perUserPackets, StubLogicRoutePort } from '../stub-route-port.js';
import { SyncNudger } from '../sync-nudger.js';
import { GroupAdmin } from './group-admin.js';
import { GroupMessaging } from './group-messaging.js';

const silent = createLogger({ level: 'silent', service: 't' });
const APP = 'app';
const THRESHOLD = 4;

/** What logic asked route to do, decoded. */
class RecordingRoute extends StubLogicRoutePort {
  userPushes: UserPacket[] = [];
  roomPushes: Array<{ roomId: string; message: Message }> = [];
  roomChanges: Array<{ roomId: string; userIds: string[]; join: boolean }> = [];
  override async deliverToUsers(appId: string, packets: UserPacket[]): Promise<DeliveryStats> {
    this.userPushes.push(...perUserPackets(packets));
    return { delivered: packets.length, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] };
  }
  override async deliverToRoom(appId: string, roomId: string, packet: Buffer): Promise<DeliveryStats> {
    this.roomPushes.push({ roomId, message: Message.decode(Packet.decode(packet).data) });
    return { delivered: 1, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] };
  }
  override async setUsersRoom(appId: string, roomId: string, userIds: string[], join: boolean) {
    this.roomChanges.push({ roomId, userIds, join });
    return { updated: userIds.length, failedGates: 0 };
  }
  reset(): void {
    this.userPushes = [];
    this.roomPushes = [];
    this.roomChanges = [];
  }
}

const pushedMessage = (p: UserPacket) => Message.decode(Packet.decode(p.packet).data);
const caller = (userId: string, deviceId = 'd1') => ({ appId: APP, userId, deviceId });

describe('groups in logic (SQLite storage, recording route)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-groups-'));
  let storage: Storage;
  let admin: GroupAdmin;
  let messaging: GroupMessaging;
  let reads: ReadReceipts;
  let store: MessageStore;
  let pushes: PushBatcher;
  const route = new RecordingRoute();

  beforeAll(async () => {
    storage = await createStorage({ dialect: 'sqlite', file: join(dir, 'db.sqlite') });
    await storage.migrate();
    const counters = logicCounters();
    const batcher = new SendBatcher((batch) => storage.messages.append(batch), 1, 64);
    pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent);
    store = new MessageStore(batcher, pushes, { maxContentBytes: 1000 }, counters);
    messaging = new GroupMessaging(
      storage,
      store,
      pushes,
      route,
      { syncLimitMax: 100, syncMaxBytes: 1 << 20 },
      counters,
      silent,
    );
    admin = new GroupAdmin(
      storage,
      messaging,
      route,
      { largeGroupMinMembers: THRESHOLD, maxGroupMembers: 6 },
      counters,
      silent,
    );
    reads = new ReadReceipts(storage, pushes, counters);
  });

  afterAll(async () => {
    pushes.stop();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => route.reset());

  /** Waits for the deliveries started by the calls so far. */
  const delivered = () => store.drain();

  const send = (groupId: string, from: string, id: string) =>
    messaging.send(APP, {
      senderUserId: from,
      senderDeviceId: 'd1',
      groupId,
      clientMsgId: id,
      contentType: 'text',
      content: Buffer.from(id),
    });

  it('a small group: the creation is announced to every member in their inbox, sends fan out by write', async () => {
    await admin.create(APP, {
      groupId: 'small',
      name: 'S',
      ownerUserId: 'ann',
      memberUserIds: ['bob', 'cy'],
      extra: '',
    });
    await delivered();
    expect(route.userPushes.map((p) => p.userIds[0]).sort()).toEqual(['ann', 'bob', 'cy']);
    const created = route.userPushes.map(pushedMessage);
    expect(created.every((m) => m.contentType === 'switchboard/group-created' && m.seq > 0)).toBe(true);
    expect(JSON.parse(Buffer.from(created[0]!.content).toString())).toEqual({
      name: 'S',
      owner_user_id: 'ann',
      user_ids: ['ann', 'bob', 'cy'],
      count: 3,
    });
    route.reset();

    const r = await send('small', 'bob', 'hello');
    await delivered();
    expect(r).toMatchObject({ conversationSeq: 2, duplicate: false });
    expect(r.seq).toBeGreaterThan(0);
    // One packet per member, each with that member's inbox seq; the sending device is excluded.
    const own = route.userPushes.find((p) => p.userIds[0] === 'bob')!;
    expect(own.exclude).toEqual({ userId: 'bob', deviceId: 'd1' });
    expect(pushedMessage(own).seq).toBe(r.seq);
    const others = route.userPushes.filter((p) => p.userIds[0] !== 'bob');
    expect(others.every((p) => p.offline?.groupId === 'small')).toBe(true);
    expect(route.roomPushes).toEqual([]);
    // A retry stores and pushes nothing more.
    route.reset();
    expect(await send('small', 'bob', 'hello')).toMatchObject({ duplicate: true, seq: r.seq });
    await delivered();
    expect(route.userPushes).toEqual([]);
  });

  it('refuses non-members, unknown and dissolved groups, and the owner’s removal', async () => {
    await expect(send('small', 'eve', 'x')).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER,
    });
    await expect(send('nope', 'ann', 'x')).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_GROUP_NOT_FOUND,
    });
    await expect(admin.removeMembers(APP, 'small', ['ann'])).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
    });
    await expect(messaging.sync(caller('eve'), 'small', 0, 10)).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER,
    });
    await admin.create(APP, { groupId: 'gone', name: '', ownerUserId: 'ann', memberUserIds: [], extra: '' });
    await admin.dissolve(APP, 'gone');
    await admin.dissolve(APP, 'gone');
    await expect(send('gone', 'ann', 'y')).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_GROUP_DISSOLVED,
    });
    await expect(admin.addMembers(APP, 'gone', ['bob'])).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_GROUP_DISSOLVED,
    });
    // Its members still read it: created, dissolved.
    const page = await messaging.sync(caller('ann'), 'gone', 0, 10);
    expect(page.messages.map((m) => m.contentType)).toEqual([
      'switchboard/group-created',
      'switchboard/group-dissolved',
    ]);
  });

  it('looks up the groups of one tick’s sends in one read, each send answered as alone', async () => {
    await admin.create(APP, {
      groupId: 'tick',
      name: '',
      ownerUserId: 'ann',
      memberUserIds: ['bob'],
      extra: '',
    });
    await admin.create(APP, { groupId: 'tock', name: '', ownerUserId: 'cy', memberUserIds: [], extra: '' });
    await delivered();
    const lookups = vi.spyOn(storage.groups, 'sendTargets');
    const single = vi.spyOn(storage.groups, 'sendTarget');
    try {
      const results = await Promise.allSettled([
        send('tick', 'ann', 't1'),
        send('tock', 'cy', 't2'),
        send('tick', 'cy', 't3'),
        send('nope', 'ann', 't4'),
        send('tick', 'bob', 't5'),
      ]);
      expect(lookups).toHaveBeenCalledTimes(1);
      expect(single).not.toHaveBeenCalled();
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'rejected',
        'fulfilled',
      ]);
      expect(results[2]).toMatchObject({ reason: { code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER } });
      expect(results[3]).toMatchObject({ reason: { code: ErrorCode.ERROR_CODE_GROUP_NOT_FOUND } });
      // A member added before a send is in that send's fan-out.
      await admin.addMembers(APP, 'tick', ['cy']);
      await delivered();
      route.reset();
      await send('tick', 'cy', 't6');
      await delivered();
      expect(route.userPushes.map((p) => p.userIds[0]).sort()).toEqual(['ann', 'bob', 'cy']);
    } finally {
      lookups.mockRestore();
      single.mockRestore();
    }
  });

  it('names at most 100 users in a member-change message, and takes an extra as long as storage keeps', async () => {
    const many = Array.from({ length: 150 }, (_, i) => `u${String(i).padStart(3, '0')}`);
    const wide = new GroupAdmin(
      storage,
      messaging,
      route,
      { largeGroupMinMembers: 1000, maxGroupMembers: 1000 },
      logicCounters(),
      silent,
    );
    await wide.create(APP, {
      groupId: 'wide',
      name: 'W',
      ownerUserId: 'ann',
      memberUserIds: [],
      extra: 'x'.repeat(16_383),
    });
    await wide.addMembers(APP, 'wide', many);
    await wide.update(APP, 'wide', { extra: 'é'.repeat(16_383) });
    const page = await messaging.sync(caller('ann'), 'wide', 0, 10);
    const added = JSON.parse(Buffer.from(page.messages[1]!.content).toString()) as {
      user_ids: string[];
      count: number;
    };
    expect([page.messages[1]!.contentType, added.user_ids.length, added.count]).toEqual([
      'switchboard/member-added',
      100,
      150,
    ]);
    expect(page.messages[2]!.contentType).toBe('switchboard/group-updated');
    await expect(wide.update(APP, 'wide', { extra: 'x'.repeat(16_384) })).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
    });
  });

  it('bounds the members of a group', async () => {
    await expect(
      admin.create(APP, {
        groupId: 'crowd',
        name: '',
        ownerUserId: 'a',
        memberUserIds: ['b', 'c', 'd', 'e', 'f', 'g'],
        extra: '',
      }),
    ).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED });
  });

  it('switches to read fan-out when membership reaches the threshold, and keeps the room in step', async () => {
    await admin.create(APP, {
      groupId: 'grow',
      name: '',
      ownerUserId: 'ann',
      memberUserIds: ['bob'],
      extra: '',
    });
    await admin.addMembers(APP, 'grow', ['cy']);
    expect((await storage.groups.get(APP, 'grow'))!.large).toBe(false);
    await delivered();
    route.reset();

    expect(await admin.addMembers(APP, 'grow', ['dee', 'cy'])).toBe(1);
    await delivered();
    expect((await storage.groups.get(APP, 'grow'))!.large).toBe(true);
    expect(route.roomChanges).toEqual([
      { roomId: 'sb:group:grow', userIds: ['ann', 'bob', 'cy', 'dee'], join: true },
    ]);
    expect(route.roomPushes.map((p) => p.message.contentType)).toEqual([
      'switchboard/group-mode',
      'switchboard/member-added',
    ]);
    expect(route.roomPushes.every((p) => p.message.seq === 0 && p.roomId === 'sb:group:grow')).toBe(true);
    route.reset();

    // Read fan-out: no inbox entries, one room push, SendResponse.seq 0.
    const r = await send('grow', 'bob', 'big');
    await delivered();
    expect(r.seq).toBe(0);
    expect(route.userPushes).toEqual([]);
    expect(route.roomPushes.map((p) => p.message.conversationSeq)).toEqual([r.conversationSeq]);
    const page = await messaging.sync(caller('dee'), 'grow', 0, 100);
    expect(page.messages.at(-1)!.conversationSeq).toBe(r.conversationSeq);
    expect(page.maxSeq).toBe(r.conversationSeq);
    // dee joined late: she reads from her join on, not before.
    expect(page.messages[0]!.contentType).toBe('switchboard/group-mode');

    // Joining and leaving a large group moves the member's connections in and out of its room;
    // the removed member hears of it in the inbox.
    route.reset();
    await admin.addMembers(APP, 'grow', ['eve']);
    await admin.removeMembers(APP, 'grow', ['bob']);
    await delivered();
    expect(route.roomChanges).toEqual([
      { roomId: 'sb:group:grow', userIds: ['eve'], join: true },
      { roomId: 'sb:group:grow', userIds: ['bob'], join: false },
    ]);
    expect(route.userPushes.map((p) => [p.userIds[0], pushedMessage(p).contentType])).toEqual([
      ['bob', 'switchboard/member-removed'],
    ]);
    await expect(send('grow', 'bob', 'again')).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER,
    });
  });

  it('READ moves the cursor forward only and tells the right devices', async () => {
    const receipts = () =>
      route.userPushes.map((p) => ({
        to: p.userIds,
        exclude: p.exclude,
        receipt: ReadReceipt.decode(Packet.decode(p.packet).data),
        type: Packet.decode(p.packet).type,
      }));
    await reads.read(caller('cy'), { type: 'group', id: 'small' }, 1);
    await delivered();
    await new Promise((r) => setTimeout(r, 20));
    // One packet for the members, split by the push batcher among its call slots.
    expect(
      receipts()
        .flatMap((r) => r.to)
        .sort(),
    ).toEqual(['ann', 'bob', 'cy']);
    for (const r of receipts()) {
      expect(r).toMatchObject({
        exclude: { userId: 'cy', deviceId: 'd1' },
        type: PacketType.PACKET_TYPE_READ_RECEIPT,
        receipt: { userId: 'cy', readSeq: 1, conversation: { id: 'small' } },
      });
    }
    route.reset();
    expect(await reads.read(caller('cy'), { type: 'group', id: 'small' }, 0)).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(route.userPushes).toEqual([]);
    // A large group: only the reader's own devices.
    await reads.read(caller('dee'), { type: 'group', id: 'grow' }, 100);
    await new Promise((r) => setTimeout(r, 20));
    expect(receipts().map((r) => r.to)).toEqual([['dee']]);
    await expect(reads.read(caller('eve'), { type: 'group', id: 'small' }, 1)).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER,
    });
  });
});
