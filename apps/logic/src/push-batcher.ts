import type { Logger } from '@switchboard/log';
import { LogSummary } from '@switchboard/log';
import type { Counters } from '@switchboard/metrics';
import { GRPC_BATCH_TARGET_BYTES } from '@switchboard/rpc';
import type { LogicCounter } from './logic-metrics.js';
import {
  pushesIn,
  pushesOf,
  type LogicRoutePort,
  type OfflineNotice,
  type UserPacket,
} from './route-port.js';
import type { SyncNudger } from './sync-nudger.js';

/** Options of {@link PushBatcher}. */
export interface PushBatcherOptions {
  /** Attempts after the first when route fails. Default 3. */
  retries?: number;
  /** Back-off before the first retry; each next one waits 4× longer (100, 400, 1600 ms). Default 100. */
  retryBaseMs?: number;
  /**
   * DeliverToUsers calls out at once: the call slots users are spread over (a call being retried
   * holds its slot). Default 4.
   */
  maxCallsInFlight?: number;
  /** Packets waiting for a call; past it the receivers of new pushes are told to sync instead. Default 100,000. */
  maxPendingPackets?: number;
  /**
   * Most bytes of packets in one DeliverToUsers call, well inside the gRPC message limit; a larger
   * batch goes as several calls, one after another in its slot. Default GRPC_BATCH_TARGET_BYTES.
   */
  maxCallBytes?: number;
  /**
   * A call takes further free slots' pushes while it carries fewer packets than this: a small
   * tick's pushes spread over every slot (a group message's, at a low rate) go as one call, while
   * full slots keep a call each, several out at once. Default 64.
   */
  combineBelowPackets?: number;
  /** Milliseconds, for {@link PushBatcher.oldestWaitMs}; injectable for tests. Default performance.now. */
  now?: () => number;
  /** Told about stored messages whose recipient route found with no device online (the webhook). */
  offline?: OfflineSink;
}

/** Where notices of messages for offline recipients go (the offline-push queue). */
export interface OfflineSink {
  notify(appId: string, notice: OfflineNotice): void;
}

/** A push spread over several slots: resolved when the last of its slots' calls is over. */
interface Join {
  remaining: number;
  resolve(): void;
}

interface Pending {
  packets: UserPacket[];
  waiters: Join[];
  /** When the first of these packets was queued. */
  since: number;
}

/** A call slot: the users whose hash falls on it, their pushes waiting per app, and the call holding it. */
interface Slot {
  pending: Map<string, Pending>;
  call: Call | undefined;
}

/**
 * One DeliverToUsers call (or the few a large batch is cut into) and the slots it holds: its own
 * slot's pushes, and while it is small those of further free slots (see `combineBelowPackets`).
 */
interface Call {
  slots: Slot[];
  waiters: Join[];
  /** Its packets as route gets them (see PushBatcher.backlog). */
  parts: number;
  /** When the oldest of its packets was queued. */
  since: number;
}

/**
 * Gathers the pushes made in one tick into one DeliverToUsers call per app, so that a group-commit
 * batch of N sends costs one route call instead of N (route then makes one call per gate).
 *
 * Per-user order: each user belongs to one of `maxCallsInFlight` call slots (by a hash of the user
 * id), and a slot has one call out at a time, so a user's packets travel in one slot's calls, one
 * call after another, in the order they were pushed: concurrent calls never overtake each other
 * for the same user. A packet for users of several slots goes in each of those slots, to its own
 * users there. A call holds its slots until it is over; one takes the pushes of several free
 * slots while it is small (`combineBelowPackets`), so a group message's pushes, which span every
 * slot, are one call rather than one per slot at a low rate, while under load each slot's batch
 * is its own call and up to `maxCallsInFlight` are out at once.
 *
 * What is in flight is bounded: pushes made while their slot's call is out wait and go together in
 * its next call (so a slow route gets fewer, larger calls rather than a pile of them past their
 * deadlines). Past `maxPendingPackets` waiting, new pushes are not queued: their receivers are told
 * to sync instead.
 *
 * A call route fails is retried a few times with back-off, holding its slot (a retry after a
 * timeout may deliver a packet twice; clients dedupe by seq). When it is given up, or when route
 * could not reach some users' gates, those users are handed to the {@link SyncNudger}, which tells
 * their online devices to sync: a stored message is never silently left unannounced.
 */
export class PushBatcher {
  /** Pushes waiting for a call (see `pushesIn`): the bound on what is queued. */
  private pendingPackets = 0;
  /** Packets (as route gets them) waiting for a call, and in calls that are out or waiting to retry. */
  private pendingParts = 0;
  private inFlightParts = 0;
  /**
   * Whether the last DeliverToUsers attempt to finish failed: route is down or not answering, not
   * merely slow. Its pushes end with the receivers told to sync, and refusing sends would not help.
   */
  routeFailing = false;
  private scheduled = false;
  private stopped = false;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly maxPendingPackets: number;
  private readonly maxCallBytes: number;
  private readonly combineBelowPackets: number;
  private readonly failures: LogSummary;
  private readonly now: () => number;
  private readonly slots: Slot[];
  private readonly offline: OfflineSink | undefined;
  /** Slots touched by the push being queued (scratch, reused: pushes are queued synchronously). */
  private readonly touched: boolean[];

  constructor(
    private readonly route: LogicRoutePort,
    private readonly nudger: SyncNudger,
    private readonly counters: Counters<LogicCounter>,
    log: Logger,
    options: PushBatcherOptions = {},
  ) {
    this.retries = options.retries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 100;
    const slots = Math.max(1, options.maxCallsInFlight ?? 4);
    this.maxPendingPackets = options.maxPendingPackets ?? 100_000;
    this.maxCallBytes = options.maxCallBytes ?? GRPC_BATCH_TARGET_BYTES;
    this.combineBelowPackets = options.combineBelowPackets ?? 64;
    this.now = options.now ?? (() => performance.now());
    this.offline = options.offline;
    this.failures = new LogSummary(log, 'pushes given up after retries; their receivers are told to sync');
    this.slots = Array.from({ length: slots }, () => ({
      pending: new Map<string, Pending>(),
      call: undefined,
    }));
    this.touched = new Array<boolean>(slots).fill(false);
  }

  /**
   * Packets accepted and not yet delivered or given up, as route gets them (a small group's
   * `message` packet counting once per call slot its users fall in, not once per user): those
   * waiting for a call slot plus those in calls that are out. When route (or the CPU it shares)
   * falls behind, this grows; logic refuses new sends past a bound on it rather than storing
   * messages it cannot push in time. Counted per user, one committed batch of group sends (256 to
   * groups of 20: 5,120 pushes) was past the default bound by itself while route kept up; what the
   * gates' per-member work costs shows in the age of the oldest push (`oldestWaitMs`) instead.
   */
  get backlog(): number {
    return this.pendingParts + this.inFlightParts;
  }

  /**
   * How long the oldest packet not yet delivered (or given up) has been waiting, in ms; 0 when none.
   * It bounds how late the next push will be, whatever the rate route manages.
   */
  oldestWaitMs(): number {
    let since = Infinity;
    for (const slot of this.slots) {
      for (const p of slot.pending.values()) since = Math.min(since, p.since);
      if (slot.call) since = Math.min(since, slot.call.since);
    }
    return since === Infinity ? 0 : this.now() - since;
  }

  /** Queues packets; resolves once route took them or their receivers were handed to the nudger. */
  push(appId: string, packets: UserPacket[]): Promise<void> {
    const count = pushesOf(packets);
    if (this.pendingPackets + count > this.maxPendingPackets) {
      this.counters.add('push_overflow', count);
      this.nudger.add(appId, usersOf(packets));
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const join: Join = { remaining: 0, resolve };
      const now = this.now();
      for (const p of packets) this.queue(appId, p, now);
      for (let i = 0; i < this.touched.length; i++) {
        if (!this.touched[i]) continue;
        this.touched[i] = false;
        join.remaining++;
        this.pendingOf(this.slots[i]!, appId, now).waiters.push(join);
      }
      if (join.remaining === 0) resolve();
      this.schedule();
    });
  }

  /** Stops retrying (shutdown): what is still failing goes to the nudger at its next failure. */
  stop(): void {
    this.stopped = true;
    this.failures.flush();
  }

  /**
   * Puts a packet in the slot of its users, or a copy for each slot's users when they differ (a
   * `message` packet's copies each with their users' seqs).
   */
  private queue(appId: string, p: UserPacket, now: number): void {
    const n = this.slots.length;
    const first = p.userIds.length > 0 ? slotOf(p.userIds[0]!, n) : 0;
    let same = true;
    for (let i = 1; i < p.userIds.length && same; i++) same = slotOf(p.userIds[i]!, n) === first;
    if (same) {
      this.add(appId, first, p, now);
      return;
    }
    const bySlot = new Map<number, UserPacket>();
    const { userIds, seqs } = p;
    for (let u = 0; u < userIds.length; u++) {
      const i = slotOf(userIds[u]!, n);
      let part = bySlot.get(i);
      if (!part) {
        part = { ...p, userIds: [] };
        if (seqs) part.seqs = [];
        bySlot.set(i, part);
      }
      part.userIds.push(userIds[u]!);
      if (seqs) part.seqs!.push(seqs[u]!);
    }
    for (const [i, part] of bySlot) this.add(appId, i, part, now);
  }

  private add(appId: string, i: number, p: UserPacket, now: number): void {
    this.pendingOf(this.slots[i]!, appId, now).packets.push(p);
    this.pendingPackets += pushesIn(p);
    this.pendingParts++;
    this.touched[i] = true;
  }

  private pendingOf(slot: Slot, appId: string, now: number): Pending {
    let entry = slot.pending.get(appId);
    if (!entry) {
      entry = { packets: [], waiters: [], since: now };
      slot.pending.set(appId, entry);
    }
    return entry;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Starts calls for the pushes waiting in free slots, app by app: a call takes free slots' pushes
   * while it carries fewer than `combineBelowPackets`; the rest waits for its slots' calls to end.
   */
  private flush(): void {
    this.scheduled = false;
    for (;;) {
      let appId: string | undefined;
      let call: Call | undefined;
      let packets: UserPacket[] = [];
      let pushes = 0;
      for (const slot of this.slots) {
        if (slot.call) continue;
        if (appId === undefined) {
          const next = slot.pending.keys().next();
          if (next.done) continue;
          appId = next.value;
        }
        const entry = slot.pending.get(appId);
        if (!entry) continue;
        if (call && pushes >= this.combineBelowPackets) {
          this.start(appId, call, packets, pushes);
          call = undefined;
        }
        slot.pending.delete(appId);
        if (!call) {
          call = { slots: [], waiters: entry.waiters, parts: 0, since: entry.since };
          packets = entry.packets;
          pushes = pushesOf(packets);
        } else {
          for (const join of entry.waiters) call.waiters.push(join);
          for (const p of entry.packets) {
            packets.push(p);
            pushes += pushesIn(p);
          }
          if (entry.since < call.since) call.since = entry.since;
        }
        call.slots.push(slot);
        slot.call = call;
      }
      if (!call || appId === undefined) return;
      this.start(appId, call, packets, pushes);
    }
  }

  /** Sends a call's packets, `pushes` in all (see `pushesIn`). */
  private start(appId: string, call: Call, packets: UserPacket[], pushes: number): void {
    call.parts = packets.length;
    this.pendingPackets -= pushes;
    this.pendingParts -= call.parts;
    this.inFlightParts += call.parts;
    this.deliver(appId, splitByBytes(packets, this.maxCallBytes), 0, call, 0);
  }

  /** Hands the notices of packets whose recipient has no device online to the offline sink. */
  private notifyOffline(
    appId: string,
    packets: readonly UserPacket[],
    offlineUserIds: readonly string[],
  ): void {
    const offline = new Set(offlineUserIds);
    for (const p of packets) {
      const notice = p.offline;
      if (!notice) continue;
      if (!p.seqs) {
        if (offline.has(notice.recipientUserId)) this.offline!.notify(appId, notice);
        continue;
      }
      // A message packet's notice is a template: one per offline member, never to the sender.
      for (const userId of p.userIds) {
        if (userId !== notice.senderUserId && offline.has(userId))
          this.offline!.notify(appId, { ...notice, recipientUserId: userId });
      }
    }
  }

  /** A call is over (delivered or given up): its slots go to what waited meanwhile. */
  private done(call: Call): void {
    this.inFlightParts -= call.parts;
    let waiting = false;
    for (const slot of call.slots) {
      slot.call = undefined;
      if (slot.pending.size > 0) waiting = true;
    }
    for (const join of call.waiters) if (--join.remaining === 0) join.resolve();
    if (waiting) this.schedule();
  }

  /** Delivers part `i` of a call's batch (retrying it), then the next part, then frees its slots. */
  private deliver(appId: string, parts: UserPacket[][], i: number, call: Call, attempt: number): void {
    const packets = parts[i] as UserPacket[];
    const next = () => {
      if (i + 1 < parts.length) this.deliver(appId, parts, i + 1, call, 0);
      else this.done(call);
    };
    this.route.deliverToUsers(appId, packets).then(
      (stats) => {
        this.routeFailing = false;
        if (stats.unreachedUserIds.length > 0) {
          this.counters.add('push_unreached_users', stats.unreachedUserIds.length);
          this.nudger.add(appId, stats.unreachedUserIds);
        }
        if (this.offline && stats.offlineUserIds.length > 0)
          this.notifyOffline(appId, packets, stats.offlineUserIds);
        next();
      },
      (err: unknown) => {
        this.routeFailing = true;
        if (attempt < this.retries && !this.stopped) {
          this.counters.add('push_retries');
          const delay = this.retryBaseMs * 4 ** attempt;
          setTimeout(() => this.deliver(appId, parts, i, call, attempt + 1), delay).unref();
          return;
        }
        this.counters.add('push_failures', pushesOf(packets));
        this.nudger.add(appId, usersOf(packets));
        this.failures.add({
          app: appId,
          packets: packets.length,
          attempts: attempt + 1,
          err: errorText(err),
        });
        next();
      },
    );
  }
}

/** About what a packet adds to a DeliverToUsers request. */
function packetBytes(p: UserPacket): number {
  let n = p.packet.length + (p.message?.length ?? 0) + 32;
  for (const id of p.userIds) n += id.length * 3 + 2;
  if (p.seqs) n += p.seqs.length * 10;
  return n;
}

/**
 * The call slot of a user: FNV-1a of the id, so that a user's packets always take the same slot.
 */
export function slotOf(userId: string, slots: number): number {
  if (slots === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % slots;
}

/** Consecutive runs of `packets` of at most `maxBytes` each (a larger packet goes alone). */
export function splitByBytes(packets: UserPacket[], maxBytes: number): UserPacket[][] {
  const parts: UserPacket[][] = [];
  let part: UserPacket[] = [];
  let bytes = 0;
  for (const p of packets) {
    const size = packetBytes(p);
    if (part.length > 0 && bytes + size > maxBytes) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(p);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

function usersOf(packets: readonly UserPacket[]): Set<string> {
  const users = new Set<string>();
  for (const p of packets) for (const u of p.userIds) users.add(u);
  return users;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
