import { setTimeout as sleep } from 'node:timers/promises';
import {
  InboxClient,
  TcpClientTransport,
  withTimeout,
  WsClientTransport,
  type ClientTransport,
} from '@switchboard/client/node';

/** Where chaos clients connect and how they get tokens. */
export interface ChaosTarget {
  /** Gateway URLs (`tcp://host:port`, `ws://host:port/path`); each (re)connect picks one at random. */
  urls: () => readonly string[];
  token(user: string): Promise<string>;
}

/** A fault injected at a moment of the run (kill a process, restart Redis, ...). */
export interface ChaosEvent {
  /** Milliseconds after the clients start sending. */
  atMs: number;
  name: string;
  run(): Promise<void>;
}

export interface ChaosOptions {
  users: number;
  /** How long clients keep sending, in ms; events must fall inside it. */
  durationMs: number;
  /** Mean pause between two sends of one user, in ms. */
  sendEveryMs: number;
  events: readonly ChaosEvent[];
  /** After sending stops, how long unacknowledged sends may keep retrying. Default 60 s. */
  settleMs?: number;
  /** Progress lines (one per second while sending, one per event). */
  progress?: (line: string) => void;
  /** User ids are `${prefix}${i}`, so that runs against one database never meet. */
  userPrefix?: string;
}

/** What a run found, counted over every user's inbox. */
export interface ChaosReport {
  users: number;
  sent: number;
  acked: number;
  /** Sends that never got an acknowledgement (gave up at the end of the settle time, or refused). */
  unacked: number;
  /** Acknowledged messages missing from an inbox that should hold them (sender's or receiver's). */
  lost: number;
  /** Inbox entries whose message id the inbox already holds at another seq. */
  duplicated: number;
  /** Messages of one sender to one receiver held in another order than they were sent. */
  outOfOrder: number;
  /** Inbox entries no acknowledged send accounts for (an unacknowledged send that was stored). */
  unexplained: number;
  reconnects: number;
  syncHints: number;
  sendRetries: number;
  events: string[];
  elapsedMs: number;
}

interface Acked {
  from: string;
  to: string;
  clientMsgId: string;
  messageId: number;
}

/**
 * Runs users chatting 1:1 through `target` while `events` inject faults, then checks every inbox
 * against the acknowledged sends: each user must hold exactly the acknowledged messages it sent or
 * received, once, and each sender's messages to one receiver in the order they were sent. Clients are
 * {@link InboxClient}s, which follow docs/protocol.md (sync on sign-in, gap and SYNC_HINT; dedupe by
 * seq; retry sends with the same client_msg_id).
 */
export async function runChaos(target: ChaosTarget, options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const progress = options.progress ?? (() => {});
  const prefix = options.userPrefix ?? 'chaos-';
  const users = Array.from({ length: options.users }, (_, i) => `${prefix}${i}`);
  const clients = new Map<string, InboxClient>();
  for (const user of users) {
    clients.set(
      user,
      new InboxClient({
        connect: () => connectTo(pick(target.urls())),
        token: () => target.token(user),
        deviceId: 'device',
        requestTimeoutMs: 8_000,
      }),
    );
  }
  await Promise.all([...clients.values()].map((c) => c.start()));

  const acked: Acked[] = [];
  let sent = 0;
  let unacked = 0;
  let sending = true;
  const stopAt = Date.now() + options.durationMs;
  const settleBy = stopAt + (options.settleMs ?? 60_000);
  const senders = users.map(async (user, i) => {
    const client = clients.get(user) as InboxClient;
    for (let k = 0; sending && Date.now() < stopAt; k++) {
      let to = users[Math.floor(Math.random() * users.length)] as string;
      if (to === user) to = users[(i + 1) % users.length] as string;
      const clientMsgId = `${user}-${k}`;
      sent++;
      try {
        const res = await withTimeout(
          client.sendText(to, `m ${clientMsgId}`, clientMsgId),
          settleBy - Date.now(),
          () => new Error('not acknowledged in time'),
        );
        acked.push({ from: user, to, clientMsgId, messageId: res.messageId });
      } catch {
        unacked++;
      }
      await sleep(options.sendEveryMs * (0.5 + Math.random()));
    }
  });

  const events: string[] = [];
  const injector = (async () => {
    for (const event of [...options.events].sort((a, b) => a.atMs - b.atMs)) {
      const wait = started + event.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      const at = Date.now() - started;
      progress(`chaos: ${event.name} at ${(at / 1000).toFixed(1)} s`);
      await event.run();
      events.push(`${event.name} @${(at / 1000).toFixed(1)}s`);
    }
  })();
  const ticker = setInterval(() => {
    progress(`chaos: ${((Date.now() - started) / 1000).toFixed(0)} s, sent ${sent}, acked ${acked.length}`);
  }, 1_000);
  ticker.unref();
  try {
    await injector;
    await Promise.all(senders);
  } finally {
    sending = false;
    clearInterval(ticker);
  }

  // Everyone catches up to the end of their inbox, then the inboxes are compared with the truth.
  for (const client of clients.values()) await client.syncToEnd();
  const report = check(users, clients, acked);
  for (const client of clients.values()) await client.stop();
  let reconnects = 0;
  let syncHints = 0;
  let sendRetries = 0;
  for (const c of clients.values()) {
    reconnects += c.stats.connects - 1;
    syncHints += c.stats.syncHints;
    sendRetries += c.stats.sendRetries;
  }
  return {
    users: users.length,
    sent,
    acked: acked.length,
    unacked,
    ...report,
    reconnects,
    syncHints,
    sendRetries,
    events,
    elapsedMs: Date.now() - started,
  };
}

/** One line for logs and benchmark records. */
export function formatChaosReport(r: ChaosReport): string {
  return (
    `users=${r.users} sent=${r.sent} acked=${r.acked} unacked=${r.unacked} lost=${r.lost} ` +
    `duplicated=${r.duplicated} outOfOrder=${r.outOfOrder} unexplained=${r.unexplained} ` +
    `reconnects=${r.reconnects} syncHints=${r.syncHints} sendRetries=${r.sendRetries} ` +
    `elapsed=${(r.elapsedMs / 1000).toFixed(1)}s events=[${r.events.join(', ')}]`
  );
}

function check(
  users: readonly string[],
  clients: ReadonlyMap<string, InboxClient>,
  acked: readonly Acked[],
): Pick<ChaosReport, 'lost' | 'duplicated' | 'outOfOrder' | 'unexplained'> {
  const expected = new Map<string, Acked[]>(users.map((u) => [u, []]));
  for (const a of acked) {
    expected.get(a.from)?.push(a);
    expected.get(a.to)?.push(a);
  }
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let unexplained = 0;
  for (const user of users) {
    const inbox = (clients.get(user) as InboxClient).inbox;
    const position = new Map<number, number>();
    inbox.forEach((m, i) => {
      if (position.has(m.messageId)) duplicated++;
      else position.set(m.messageId, i);
    });
    const mine = expected.get(user) ?? [];
    const wanted = new Set(mine.map((a) => a.messageId));
    for (const id of wanted) if (!position.has(id)) lost++;
    for (const id of position.keys()) if (!wanted.has(id)) unexplained++;
    // Each sender sends one message at a time, so acknowledgement order is send order.
    const lastBySender = new Map<string, number>();
    for (const a of mine) {
      if (a.to !== user) continue;
      const at = position.get(a.messageId);
      if (at === undefined) continue;
      if (at < (lastBySender.get(a.from) ?? -1)) outOfOrder++;
      lastBySender.set(a.from, at);
    }
  }
  return { lost, duplicated, outOfOrder, unexplained };
}

async function connectTo(url: string): Promise<ClientTransport> {
  const u = new URL(url);
  if (u.protocol === 'tcp:') return TcpClientTransport.connect(u.hostname, Number(u.port));
  return WsClientTransport.connect(url);
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}
