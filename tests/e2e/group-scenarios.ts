import { randomBytes } from 'node:crypto';
import { GroupTracker, type SwitchboardClient } from '@switchboard/client/node';
import { ConversationType, ErrorCode, type Message } from '@switchboard/proto/client';
import { waitFor } from '@switchboard/testing';
import { afterAll, expect, it } from 'vitest';
import { post } from './business-api-scenarios.js';
import { signedIn, text } from './clients.js';

/** Where one running suite is, for the group scenarios. */
export interface GroupTarget {
  /** `http://host:port/v1` of one logic instance's business API. */
  api: string;
  apiKey: string;
  appId: string;
  /** A TCP and a WebSocket gateway, at least (clients alternate between them). */
  gateUrls: readonly string[];
  token(user: string, device?: string): Promise<string>;
  /** `logic.largeGroupMinMembers` of the suite under test. */
  largeGroupMinMembers: number;
}

const GROUP = ConversationType.CONVERSATION_TYPE_GROUP;
const USER = ConversationType.CONVERSATION_TYPE_USER;

/** A signed-in device with its pushes and the group algorithm of docs/protocol.md §7. */
interface Device {
  user: string;
  client: SwitchboardClient;
  tracker: GroupTracker<Message>;
  /** Gap syncs still running (started by pushes). */
  pending: Set<Promise<unknown>>;
}

/**
 * Groups as members and the app's servers use them, against a running suite: management over the
 * business API, write fan-out to members on a TCP and a WS gateway, membership refusals, SYNC_GROUP,
 * history, member-change messages, read receipts and unread counts across two devices, the
 * conversation list, and the small→large switch under concurrent sends.
 */
export function groupScenarios(target: () => GroupTarget): void {
  const devices: Device[] = [];
  const run = randomBytes(3).toString('hex');
  const id = (name: string) => `${name}-${run}`;
  const api = (method: string, body: unknown) => post(target().api, target().apiKey, method, body);

  afterAll(() => {
    for (const d of devices) d.client.close();
  });

  async function device(user: string, deviceId: string, gate: number): Promise<Device> {
    const t = target();
    const { client } = await signedIn(
      t.gateUrls[gate % t.gateUrls.length]!,
      await t.token(user, deviceId),
      deviceId,
    );
    const d: Device = { user, client, tracker: new GroupTracker(() => client), pending: new Set() };
    client.onPush((m) => {
      const p = d.tracker.accept(m);
      d.pending.add(p);
      void p.finally(() => d.pending.delete(p));
    });
    devices.push(d);
    return d;
  }

  /** Waits until the device's pushes are applied and its gap syncs done. */
  async function settled(d: Device): Promise<void> {
    while (d.pending.size > 0) await Promise.allSettled([...d.pending]);
  }

  const texts = (d: Device, groupId: string) =>
    d.tracker
      .messages(groupId)
      .filter((m) => m.contentType === 'text')
      .map(text);
  const events = (d: Device, groupId: string) =>
    d.tracker.messages(groupId).filter((m) => m.contentType.startsWith('switchboard/'));

  it('a group of three across a TCP and a WS gateway: write fan-out, refusals, removal, history, dissolution', async () => {
    const groupId = id('trio');
    const [alice, alice2, bob, carol, dave] = [
      await device(id('alice'), 'a1', 0),
      await device(id('alice'), 'a2', 1),
      await device(id('bob'), 'b1', 1),
      await device(id('carol'), 'c1', 0),
      await device(id('dave'), 'd1', 1),
    ];
    const created = await api('create_group', {
      groupId,
      name: 'Trio',
      ownerUserId: alice.user,
      memberUserIds: [bob.user, carol.user],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body['group']).toMatchObject({ groupId, memberCount: 3, large: false, dissolved: false });

    // Every member's devices learn of the group by push: the created event, from the system.
    for (const d of [alice, alice2, bob, carol]) {
      await waitFor(`${d.user} hears of the group`, () => events(d, groupId).length === 1);
      const [created] = events(d, groupId);
      expect(created!.contentType).toBe('switchboard/group-created');
      expect(created!.sender?.userId).toBe('');
      expect(JSON.parse(text(created!))).toMatchObject({ user_ids: [alice.user, bob.user, carol.user] });
      // Write fan-out: in each member's inbox, with their own seq.
      expect(created!.seq).toBeGreaterThan(0);
    }

    const sent = await alice.client.sendToGroup(groupId, 'hello trio', id('m1'));
    expect(sent.seq).toBeGreaterThan(0);
    expect(sent.conversationSeq).toBe(2);
    for (const d of [alice2, bob, carol]) {
      await waitFor(
        `${d.user}/${d === alice2 ? 'a2' : ''} gets the message`,
        () => texts(d, groupId).length === 1,
      );
      const m = d.tracker.messages(groupId).at(-1)!;
      expect(m).toMatchObject({ conversation: { type: GROUP, id: groupId }, conversationSeq: 2 });
      expect(m.sender).toMatchObject({ userId: alice.user, deviceId: 'a1' });
    }
    // The sending device has the response, not a push.
    expect(alice.client.pushes.filter((m) => m.clientMsgId === id('m1'))).toEqual([]);
    // The inbox holds it: SYNC returns it with the seq the push carried.
    const bobPush = bob.client.pushes.find((m) => m.clientMsgId === id('m1'))!;
    const synced = await bob.client.syncAll(bobPush.seq - 1);
    expect(synced[0]).toMatchObject({ seq: bobPush.seq, conversationSeq: 2 });

    // A non-member is refused, with a stable code, and nothing is stored.
    await expect(dave.client.sendToGroup(groupId, 'let me in', id('x1'))).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER,
    });
    await expect(dave.client.syncGroup(groupId, 0)).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER,
    });
    await expect(dave.client.sendToGroup(id('nope'), 'hi', id('x2'))).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_GROUP_NOT_FOUND,
    });

    // Removal: carol hears of it, then is refused.
    expect((await api('remove_group_members', { groupId, userIds: [carol.user] })).body).toEqual({
      removed: 1,
    });
    await waitFor('carol hears of her removal', () =>
      events(carol, groupId).some((m) => m.contentType === 'switchboard/member-removed'),
    );
    await expect(carol.client.sendToGroup(groupId, 'still here?', id('x3'))).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER,
    });
    await bob.client.sendToGroup(groupId, 'bye carol', id('m2'));
    await waitFor('alice gets bob’s message', () => texts(alice, groupId).includes('bye carol'));
    await settled(carol);
    expect(texts(carol, groupId)).toEqual(['hello trio']);

    // SYNC_GROUP and HISTORY read the conversation for members: seq 0, conversation_seq ascending.
    const page = await bob.client.syncGroup(groupId, 0);
    expect(page.messages.map((m) => m.conversationSeq)).toEqual([1, 2, 3, 4]);
    expect(page.messages.every((m) => m.seq === 0)).toBe(true);
    expect(page.maxSeq).toBe(4);
    const history = await bob.client.history({ type: GROUP, id: groupId }, 0, 2);
    expect(history.messages.map((m) => m.conversationSeq)).toEqual([4, 3]);
    expect(history.hasMore).toBe(true);
    await expect(carol.client.history({ type: GROUP, id: groupId })).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER,
    });

    // A member added later sees only what comes after joining.
    await api('add_group_members', { groupId, userIds: [dave.user] });
    await waitFor('dave hears he was added', () =>
      events(dave, groupId).some((m) => m.contentType === 'switchboard/member-added'),
    );
    const davesView = await dave.client.syncGroup(groupId, 0);
    expect(davesView.messages.map((m) => m.contentType)).toEqual(['switchboard/member-added']);

    // Dissolution: the last message; then sends and changes are refused, history stays.
    expect((await api('dissolve_group', { groupId })).status).toBe(200);
    await waitFor('bob hears of the dissolution', () =>
      events(bob, groupId).some((m) => m.contentType === 'switchboard/group-dissolved'),
    );
    await expect(bob.client.sendToGroup(groupId, 'anyone?', id('x4'))).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_GROUP_DISSOLVED,
    });
    const refused = await api('add_group_members', { groupId, userIds: [carol.user] });
    expect([refused.status, refused.body['code']]).toEqual([409, 'ERROR_CODE_GROUP_DISSOLVED']);
    expect((await bob.client.syncGroup(groupId, 0)).messages.length).toBeGreaterThan(4);
  });

  it('read receipts and unread counts across two devices of one user, and the conversation list', async () => {
    const [ann, bea1, bea2] = [
      await device(id('ann'), 'n1', 0),
      await device(id('bea'), 'b1', 0),
      await device(id('bea'), 'b2', 1),
    ];
    for (let i = 1; i <= 3; i++) await ann.client.sendText(bea1.user, `note ${i}`, id(`r${i}`));
    await waitFor('bea’s second device has the three', () => bea2.client.pushes.length >= 3);

    let list = await bea1.client.conversations();
    const withAnn = list.conversations.find((c) => c.conversation?.id === ann.user)!;
    expect(withAnn).toMatchObject({ maxSeq: 3, readSeq: 0, unreadCount: 3, large: false });
    expect(text(withAnn.lastMessage!)).toBe('note 3');
    // The sender has read what they sent.
    const annView = (await ann.client.conversations()).conversations.find(
      (c) => c.conversation?.id === bea1.user,
    )!;
    expect(annView).toMatchObject({ readSeq: 3, unreadCount: 0 });

    await bea1.client.read({ type: USER, id: ann.user }, 2);
    await waitFor('bea’s other device gets the receipt', () => bea2.client.receipts.length === 1);
    expect(bea2.client.receipts[0]).toMatchObject({
      conversation: { type: USER, id: ann.user },
      userId: bea1.user,
      deviceId: 'b1',
      readSeq: 2,
    });
    await waitFor('ann gets the receipt', () => ann.client.receipts.length === 1);
    expect(ann.client.receipts[0]).toMatchObject({ conversation: { type: USER, id: bea1.user }, readSeq: 2 });
    expect(bea1.client.receipts).toEqual([]);
    list = await bea2.client.conversations();
    expect(list.conversations.find((c) => c.conversation?.id === ann.user)).toMatchObject({
      readSeq: 2,
      unreadCount: 1,
    });
    // Never backwards, and no receipt for a read that moves nothing.
    await bea2.client.read({ type: USER, id: ann.user }, 1);
    expect((await bea1.client.conversations()).conversations[0]).toMatchObject({ readSeq: 2 });
    await bea2.client.read({ type: USER, id: ann.user }, 99);
    await waitFor('the second receipt', () => ann.client.receipts.length === 2);
    expect(ann.client.receipts[1]).toMatchObject({ readSeq: 3, deviceId: 'b2' });
    await expect(bea1.client.read({ type: USER, id: id('stranger') }, 1)).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
    });

    // A group: receipts reach every member of a small group; the list orders by last activity.
    const groupId = id('pair');
    await api('create_group', { groupId, name: 'Pair', ownerUserId: ann.user, memberUserIds: [bea1.user] });
    await waitFor('bea hears of the group', () => bea1.tracker.messages(groupId).length === 1);
    list = await bea1.client.conversations();
    expect(list.conversations.map((c) => c.conversation?.id)).toEqual([groupId, ann.user]);
    expect(list.conversations[0]).toMatchObject({ conversation: { type: GROUP }, unreadCount: 1 });
    await bea1.client.read({ type: GROUP, id: groupId }, 1);
    await waitFor('ann gets the group receipt', () =>
      ann.client.receipts.some((r) => r.conversation?.type === GROUP && r.readSeq === 1),
    );
    // Paging: one at a time, in the same order, then nothing more.
    const first = await bea1.client.conversations('', 1);
    expect(first.conversations.map((c) => c.conversation?.id)).toEqual([groupId]);
    const second = await bea1.client.conversations(first.nextCursor, 1);
    expect(second.conversations.map((c) => c.conversation?.id)).toEqual([ann.user]);
    // The last page says so with an empty cursor.
    expect(second.nextCursor).toBe('');
    await ann.client.sendText(bea1.user, 'back on top', id('r4'));
    expect((await bea1.client.conversations()).conversations[0]!.conversation?.id).toBe(ann.user);
    await expect(bea1.client.conversations('not-a-cursor')).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
    });
  });

  it('switches from write fan-out to read fan-out under concurrent sends: no member loses or doubles a message', async () => {
    const t = target();
    const threshold = t.largeGroupMinMembers;
    const groupId = id('grow');
    const owner = id('owner');
    // Online members on both gateways, a member who is offline across the switch, and members to add.
    const first = Array.from({ length: Math.max(2, threshold - 3) }, (_, i) => id(`early${i}`));
    const online = [owner, ...first];
    const members: Device[] = [];
    for (const [i, user] of online.entries()) members.push(await device(user, 'p', i));
    const sleeper = id('sleeper');
    await api('create_group', {
      groupId,
      name: 'Grows',
      ownerUserId: owner,
      memberUserIds: [...first, sleeper],
    });
    expect((await api('list_groups', { userId: owner })).body['groups']).toMatchObject([{ large: false }]);

    const senders = members.slice(0, 3);
    const perSender = 25;
    const sending = senders.map(async (d, s) => {
      for (let i = 0; i < perSender; i++) {
        await d.client.sendToGroup(groupId, `s${s}-${i}`, id(`g${s}-${i}`)).then(async (r) => {
          // The sender's own message counts as held (its SendResponse), as the algorithm says.
          await d.tracker.accept({
            messageId: r.messageId,
            seq: r.seq,
            conversation: { type: GROUP, id: groupId },
            sender: { userId: d.user, deviceId: 'p' },
            contentType: 'text',
            content: Buffer.from(`s${s}-${i}`),
            sentAt: r.sentAt,
            conversationSeq: r.conversationSeq,
            clientMsgId: id(`g${s}-${i}`),
          } satisfies Message);
        });
      }
    });
    // Meanwhile the group grows past the threshold, one member at a time, and a newcomer comes online.
    const newcomers = Array.from({ length: 4 }, (_, i) => id(`late${i}`));
    for (const user of newcomers) {
      await api('add_group_members', { groupId, userIds: [user] });
      members.push(await device(user, 'p', members.length));
    }
    await Promise.all(sending);
    const group = (await api('list_groups', { userId: owner })).body['groups'] as Array<{ large: boolean }>;
    expect(group[0]!.large).toBe(true);

    // Every device catches up as after a reconnect, then holds each message exactly once.
    const sleeperDevice = await device(sleeper, 'p', 0);
    const all = [...members, sleeperDevice];
    for (const d of all) {
      await settled(d);
      await d.tracker.catchUp();
    }
    const max = (await members[0]!.client.syncGroup(groupId, 0, 1)).maxSeq;
    const sentTexts = senders.flatMap((_, s) => Array.from({ length: perSender }, (_, i) => `s${s}-${i}`));
    for (const d of all) {
      const held = d.tracker.messages(groupId);
      const seqs = held.map((m) => m.conversationSeq);
      expect(new Set(seqs).size, `${d.user} holds a message twice`).toBe(seqs.length);
      // Contiguous from where the member joined to the group's latest seq.
      expect(seqs.at(-1), d.user).toBe(max);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
      if (online.includes(d.user) || d.user === sleeper) {
        expect(seqs[0], d.user).toBe(1);
        expect(new Set(texts(d, groupId)), d.user).toEqual(new Set(sentTexts));
        expect(texts(d, groupId).length, d.user).toBe(sentTexts.length);
      }
      expect(
        events(d, groupId).filter((m) => m.contentType === 'switchboard/group-mode').length,
      ).toBeLessThanOrEqual(1);
    }
    // A large group's messages are in no inbox: online members got them with seq 0.
    const late = await members[0]!.client.sendToGroup(groupId, 'after the switch', id('after'));
    expect(late.seq).toBe(0);
    const newcomer = members.at(-1)!;
    await waitFor('a newcomer gets the large-group push', () =>
      texts(newcomer, groupId).includes('after the switch'),
    );
    expect(newcomer.client.pushes.find((m) => m.clientMsgId === id('after'))!.seq).toBe(0);
  }, 120_000);
}
