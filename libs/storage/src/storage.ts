import type {
  ActiveApiKey,
  ApiKeyInfo,
  App,
  AppSettingsUpdate,
  CreatedApiKey,
  Device,
  DeviceSignIn,
  AppendInput,
  AppendResult,
  ConversationRef,
  ConversationSummary,
  Group,
  GroupMember,
  GroupSendTarget,
  GroupReadResult,
  GroupRole,
  MembershipChange,
  NewGroup,
  Page,
  ReadMark,
  DirectSendInput,
  DirectSendResult,
  HistoryQuery,
  HistoryResult,
  NewApiKey,
  NewApp,
  SignInResult,
  SyncResult,
  User,
  UserProfileInput,
} from './types.js';

/**
 * The logic service's durable data, the same over SQLite and MySQL.
 * Every method is async and safe to call concurrently, also from several processes
 * sharing one MySQL database. Methods throw `StorageError` for the documented cases
 * and pass driver errors through otherwise.
 */
export interface Storage {
  readonly dialect: 'mysql' | 'sqlite';
  readonly apps: AppRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly users: UserRepository;
  readonly devices: DeviceRepository;
  readonly messages: MessageRepository;
  readonly groups: GroupRepository;
  readonly conversations: ConversationRepository;
  /**
   * Applies pending schema migrations and resolves with the names applied now.
   * Several processes may call it at once: on MySQL a database lock serialises them.
   * Throws `MIGRATION_FAILED`.
   */
  migrate(): Promise<string[]>;
  /** Closes the pool or file; the storage is unusable afterwards. */
  close(): Promise<void>;
}

export interface AppRepository {
  /** Creates a tenant. Throws `ALREADY_EXISTS` when the app id is taken. */
  create(app: NewApp): Promise<App>;
  get(appId: string): Promise<App | undefined>;
  /** All apps ordered by app id. */
  list(): Promise<App[]>;
  /**
   * Replaces the token secret in one statement: the current secret becomes the previous one,
   * accepted until `now + graceMs` (exclusive; 0 retires it at once), and any older previous
   * secret is forgotten. Resolves with the updated app. Throws `NOT_FOUND` for an unknown app and
   * `INVALID_ARGUMENT` for an empty or over-long secret or a negative grace.
   */
  rotateTokenSecret(appId: string, newSecret: string, graceMs: number): Promise<App>;
  /**
   * Changes the given settings (absent fields stay, null clears) and resolves with the updated
   * app. Does not validate the URL beyond its length (at most 2048 characters): callers do.
   * Throws `NOT_FOUND` for an unknown app.
   */
  updateSettings(appId: string, update: AppSettingsUpdate): Promise<App>;
}

/**
 * An app's business API keys (`sb_<keyId>_<secret>`, see `api-key.ts`). Only the SHA-256 of a
 * key is stored, so the full key exists once: in what `create` returns. An app may hold several
 * active keys (to rotate without downtime); key ids are unique across apps.
 */
export interface ApiKeyRepository {
  /** Creates a key for the app and resolves with it, the only time it is shown. Throws `NOT_FOUND` for an unknown app. */
  create(input: NewApiKey): Promise<CreatedApiKey>;
  /** The app's keys, revoked ones included, oldest first: metadata only, never the key or its hash. */
  list(appId: string): Promise<ApiKeyInfo[]>;
  /**
   * Revokes the key from now on; revoking it again keeps the first revocation time. Resolves false
   * when the key does not exist or belongs to another app (nothing changes then).
   */
  revoke(appId: string, keyId: string): Promise<boolean>;
  /**
   * The key with this id while it is not revoked, with its hash to compare (in constant time)
   * against `hashApiKey` of the presented key. Undefined for an unknown or revoked id; never throws
   * for a malformed id.
   */
  findActive(keyId: string): Promise<ActiveApiKey | undefined>;
}

export interface UserRepository {
  /**
   * Creates the user or updates the given profile fields; never touches the seq counter.
   * Resolves with the stored user.
   */
  upsert(profile: UserProfileInput): Promise<User>;
  get(appId: string, userId: string): Promise<User | undefined>;
  /** The users of `userIds` that exist, in no particular order (a sign-in batch's revocation check). */
  getMany(appId: string, userIds: readonly string[]): Promise<User[]>;
  /**
   * Replaces the user's server-side tags (duplicates dropped, order kept), creating the user with
   * an empty profile when missing; resolves with the stored user. Throws `INVALID_ARGUMENT` past
   * `MAX_USER_TAGS` tags, for an empty tag or one longer than `MAX_TAG_LENGTH`.
   */
  setTags(appId: string, userId: string, tags: readonly string[]): Promise<User>;
  /**
   * Refuses the user's tokens issued before `atMs` (Unix ms): `tokensValidAfter` becomes the
   * larger of its current value and `atMs`, so it never moves back. Creates the user with an empty
   * profile when missing; resolves with the stored user.
   */
  revokeTokens(appId: string, userId: string, atMs: number): Promise<User>;
  /** The user's highest inbox seq; 0 for a user that has none (or does not exist). */
  maxSeq(appId: string, userId: string): Promise<number>;
}

export interface DeviceRepository {
  /**
   * Records a sign-in: creates the device or updates its platform and sign-in time, keeping its
   * ack cursor. Resolves with the cursor and the user's max seq so the device knows what to sync,
   * and, read in the same query, the user's server tags and `tokensValidAfter` (empty and 0 for a
   * user without a row), so that sign-in can merge tags and refuse revoked tokens without another
   * round trip.
   */
  signIn(input: DeviceSignIn): Promise<SignInResult>;
  /**
   * `signIn` for many devices at once (a sign-in storm's tick): one multi-row upsert and one read
   * per app, results in input order. A device listed twice is recorded as its last listing says.
   */
  signInMany(inputs: readonly DeviceSignIn[]): Promise<SignInResult[]>;
  get(appId: string, userId: string, deviceId: string): Promise<Device | undefined>;
  /** The user's devices ordered by device id. */
  listByUser(appId: string, userId: string): Promise<Device[]>;
  /** The devices of every user of `userIds`, ordered by user id, then device id. */
  listByUsers(appId: string, userIds: readonly string[]): Promise<Device[]>;
  /**
   * Moves the device's ack cursor forward to `seq`, capped at the user's max seq; a lower seq
   * leaves it where it is. Resolves with the stored cursor. Throws `NOT_FOUND` for an unknown device.
   */
  ack(appId: string, userId: string, deviceId: string, seq: number): Promise<number>;
  /** Forgets a device and its ack cursor (it signs in as new next time). Resolves true when it existed. */
  remove(appId: string, userId: string, deviceId: string): Promise<boolean>;
}

export interface MessageRepository {
  /**
   * Appends a batch of messages in ONE transaction (group commit) and resolves with one result per
   * input, in input order. Each message goes to one conversation and to the inboxes of
   * `inboxUserIds` (any number, none for a message read from its conversation only).
   *
   * - Idempotent on (appId, senderUserId, clientMsgId): a message seen before, or repeated later in
   *   the same batch, writes nothing and resolves with the first one's result and
   *   `duplicate: true` (its `inboxSeqs` aligned with the repeat's `inboxUserIds`, 0 for a user the
   *   first one gave no entry).
   * - Otherwise the message body is stored once, with the conversation's next seq, and each listed
   *   user gets an inbox entry with their next seq.
   * - Inbox seqs per user and conversation seqs per conversation are strictly increasing without
   *   gaps, also under concurrent batches from several processes; within a batch they follow input
   *   order (and, within a message, `inboxUserIds` order).
   * - All or nothing: on failure nothing of the batch is stored and no seq is consumed.
   *   Deadlocks and lock-wait timeouts are retried internally; past the budget it throws `CONFLICT`.
   * - Throws `INVALID_ARGUMENT` for a bad field, an unknown conversation type, a user listed twice
   *   in one message's `inboxUserIds`, or a sender device on a message from the system.
   * - Read state, in the same transaction: a `user` message enters the conversation in both
   *   parties' lists (`targetId` is the recipient) and moves the sender's read cursor to its seq; a
   *   message from the system enters the recipient's system conversation; a `group` message moves
   *   its sender's member cursor, without ever creating a member.
   * - `seqsTaken`, when given, is called once the transaction holds the seq counters it takes from
   *   (again on each retry): a transaction sharing a counter with another calls it after that
   *   one has committed, so callers answering batches in the order of these calls answer each
   *   user's seqs in order (logic's group commit).
   */
  append(batch: readonly AppendInput[], seqsTaken?: () => void): Promise<AppendResult[]>;
  /**
   * Stores a batch of 1:1 sends through `append` and resolves with one result per input, in input
   * order, with the guarantees of `append`: the conversation is `directConversationId` of the two
   * users, and both users (one for a message to oneself, only the recipient for a message from the
   * system) get an inbox entry with their next seq.
   */
  sendDirect(batch: readonly DirectSendInput[]): Promise<DirectSendResult[]>;
  /**
   * The user's inbox entries with seq above `afterSeq`, ascending: at most `limit` (1..1000) of
   * them, and no more than fit in `maxBytes` (by `messageBytes`; absent means no byte bound), but
   * always at least one while any remain, so paging on from the last seq always moves forward.
   * `hasMore` says whether entries follow the page, whichever bound ended it.
   * Each message's conversation is as this user sees it.
   */
  syncInbox(
    appId: string,
    userId: string,
    afterSeq: number,
    limit: number,
    maxBytes?: number,
  ): Promise<SyncResult>;
  /**
   * A page of one conversation, NEWEST FIRST (descending conversation seq), below
   * `beforeSeq` (0 = from the newest) and above `afterSeq` (default 0), bounded by `limit` and `maxBytes` like `syncInbox`
   * (at least one message while any remain). Does not check membership: the caller does.
   */
  history(query: HistoryQuery): Promise<HistoryResult>;
}

/**
 * Groups and their members. A group's messages live in the `group` conversation whose key is the
 * group id (appended through `MessageRepository.append`); this repository keeps who may read and
 * send there. Membership changes and the messages announcing them are separate calls: the caller
 * appends the `switchboard/member-*` system messages after the change.
 */
export interface GroupRepository {
  /**
   * Creates the group with its owner (role `owner`) and members (role `member`), all with
   * joinSeq 0 and readSeq 0; resolves with the group and the member ids added (owner first).
   * Throws `ALREADY_EXISTS` when the id is taken (also by a dissolved group), `INVALID_ARGUMENT`
   * for a bad id or name/extra too long.
   */
  create(input: NewGroup): Promise<MembershipChange>;
  /** The group, dissolved or not; undefined when it never existed. */
  get(appId: string, groupId: string): Promise<Group | undefined>;
  /**
   * Changes name and/or extra (absent fields stay). Throws `NOT_FOUND` for an unknown group. Does
   * not look at `dissolvedAt`: the caller refuses changes to a dissolved group.
   */
  update(
    appId: string,
    groupId: string,
    change: { name?: string; extra?: string; at: number },
  ): Promise<Group>;
  /**
   * Marks the group dissolved (members stay, so they keep reading its history). Dissolving twice
   * keeps the first time. Throws `NOT_FOUND` for an unknown group.
   */
  dissolve(appId: string, groupId: string, at: number): Promise<Group>;
  /**
   * Adds members with `role` (never `owner`), each with joinSeq = readSeq = the group
   * conversation's current max seq; users already members are skipped. `memberCount` follows in
   * the same transaction. Throws `NOT_FOUND` like `update`.
   */
  addMembers(
    appId: string,
    groupId: string,
    userIds: readonly string[],
    role: GroupRole,
    at: number,
  ): Promise<MembershipChange>;
  /** Removes members (their rows go; non-members are skipped). Same errors as `addMembers`. */
  removeMembers(
    appId: string,
    groupId: string,
    userIds: readonly string[],
    at: number,
  ): Promise<MembershipChange>;
  /** Switches the fan-out mode flag; resolves with the group. Throws `NOT_FOUND`. */
  setLarge(appId: string, groupId: string, large: boolean, at: number): Promise<Group>;
  /** The membership of one user, or undefined. */
  member(appId: string, groupId: string, userId: string): Promise<GroupMember | undefined>;
  /** Every member's user id, ordered by user id (for write fan-out and room changes). */
  memberIds(appId: string, groupId: string): Promise<string[]>;
  /**
   * What a send to the group needs, in one statement: whether it is large or dissolved, and its
   * members ordered by user id (a small group's, all of them; a large group's, only `userId` when
   * a member). Undefined when the group never existed.
   */
  sendTarget(appId: string, groupId: string, userId: string): Promise<GroupSendTarget | undefined>;
  /**
   * `sendTarget` for many sends of one app in one statement (logic's sends of one tick): each
   * send's answer, in order; sends to the same group share its `memberIds` array (not to be changed).
   * At most 500 sends (distinct groups and senders are what the statement lists).
   */
  sendTargets(
    appId: string,
    sends: ReadonlyArray<{ groupId: string; userId: string }>,
  ): Promise<Array<GroupSendTarget | undefined>>;
  /** Members ordered by user id, after the cursor ('' from the start); limit 1..1000. */
  listMembers(appId: string, groupId: string, cursor: string, limit: number): Promise<Page<GroupMember>>;
  /**
   * Groups ordered by group id after the cursor: the user's groups (dissolved ones included) when
   * `userId` is given, else all the app's groups; limit 1..1000.
   */
  list(appId: string, userId: string | undefined, cursor: string, limit: number): Promise<Page<Group>>;
  /** Ids of the user's live (not dissolved) large groups, ordered (the rooms of a connection). */
  largeGroupIdsOf(appId: string, userId: string): Promise<string[]>;
  /** `largeGroupIdsOf` for many users in one read: each user's ids, ordered (none: absent). */
  largeGroupIdsOfUsers(appId: string, userIds: readonly string[]): Promise<Map<string, string[]>>;
}

/**
 * Per-user conversation state: read cursors, the conversation list and reading a group's
 * conversation. 1:1 and system conversations enter a user's list when their first message is
 * appended (`append` records both parties; a sender's cursor moves to each message they send);
 * groups are in the list of their members.
 */
export interface ConversationRepository {
  /**
   * Moves the user's read cursor in one conversation (user, system or group, as this user sees it)
   * forward to `seq`, capped at the conversation's max seq; a lower seq changes nothing. Throws
   * `NOT_FOUND` when the user has no such conversation (never messaged / not a member).
   */
  markRead(appId: string, userId: string, conversation: ConversationRef, seq: number): Promise<ReadMark>;
  /**
   * The user's conversations, most recently active first (ties by stored type, groups before 1:1
   * and system, then stored key), after the cursor ('' from the start); limit 1..1000. A page is
   * one statement. A cursor from another user or a malformed one throws `INVALID_ARGUMENT`.
   */
  list(appId: string, userId: string, cursor: string, limit: number): Promise<Page<ConversationSummary>>;
  /**
   * A group's messages with conversation seq above `afterSeq`, ascending, bounded by `limit`
   * (1..1000) and `maxBytes` like `syncInbox` (at least one message while any remain). Does not
   * check membership: the caller does (and passes max(afterSeq, joinSeq)).
   */
  readGroup(
    appId: string,
    groupId: string,
    afterSeq: number,
    limit: number,
    maxBytes?: number,
  ): Promise<GroupReadResult>;
}
