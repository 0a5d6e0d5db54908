import type {
  App,
  Device,
  DeviceSignIn,
  DirectSendInput,
  DirectSendResult,
  HistoryQuery,
  HistoryResult,
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
  readonly users: UserRepository;
  readonly devices: DeviceRepository;
  readonly messages: MessageRepository;
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
}

export interface UserRepository {
  /**
   * Creates the user or updates the given profile fields; never touches the seq counter.
   * Resolves with the stored user.
   */
  upsert(profile: UserProfileInput): Promise<User>;
  get(appId: string, userId: string): Promise<User | undefined>;
  /** The user's highest inbox seq; 0 for a user that has none (or does not exist). */
  maxSeq(appId: string, userId: string): Promise<number>;
}

export interface DeviceRepository {
  /**
   * Records a sign-in: creates the device or updates its platform and sign-in time, keeping its
   * ack cursor. Resolves with the cursor and the user's max seq so the device knows what to sync.
   */
  signIn(input: DeviceSignIn): Promise<SignInResult>;
  get(appId: string, userId: string, deviceId: string): Promise<Device | undefined>;
  /** The user's devices ordered by device id. */
  listByUser(appId: string, userId: string): Promise<Device[]>;
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
   * Stores a batch of 1:1 sends in ONE transaction (group commit) and resolves with one result
   * per input, in input order.
   *
   * - Idempotent on (appId, senderUserId, clientMsgId): a send seen before, or repeated later in
   *   the same batch, writes nothing and resolves with the first send's result and `duplicate: true`.
   * - Otherwise the message body is stored once, with the conversation's next seq, and both users
   *   (one for a message to oneself) get an inbox entry with their next seq.
   * - A user's inbox seqs are strictly increasing without gaps, also under concurrent batches from
   *   several processes; within a batch they follow input order.
   * - All or nothing: on failure nothing of the batch is stored and no seq is consumed.
   *   Deadlocks and lock-wait timeouts are retried internally; past the budget it throws `CONFLICT`.
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
   * `beforeSeq` (0 = from the newest), bounded by `limit` and `maxBytes` like `syncInbox`
   * (at least one message while any remain). Does not check membership: the caller does.
   */
  history(query: HistoryQuery): Promise<HistoryResult>;
}
