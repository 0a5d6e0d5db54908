import { randomBytes } from 'node:crypto';
import {
  ConversationType,
  createClient,
  type Message,
  type Switchboard,
  type Target,
} from '@switchboard/client/node';
import { mintToken } from '@switchboard/protocol/token';
import { parseDurationSeconds } from './duration.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

const CONNECT = `[--app demo] [--url ws://127.0.0.1:7200/ws | tcp://host:port] [--device <device>]
      [--token <token> | --secret <secret>] [--ttl 1h]`;

export const LISTEN_USAGE = `  switchboard listen --user <user> ${CONNECT}
      [--room <room>] [--json] [--count <n>]
      Signs in as the user (with the SDK: reconnects, syncs, dedupes) and prints every message
      as it arrives, first those it syncs; --json prints one JSON object per line. --room also
      subscribes to a room. Stops on Ctrl-C, or after --count messages. Without --token, a token
      is minted with the app's secret (--secret, else the active profile's database).`;

export const SEND_USAGE = `  switchboard send --user <sender> (--to <user> | --group <group> | --room <room>)
      (--text <text> | <text>) ${CONNECT} [--json]
      Sends one message as the user and prints it as stored: message id, seq, conversation seq.`;

/** The flags the client commands read. */
export interface ClientFlags {
  user?: string | undefined;
  app?: string | undefined;
  url?: string | undefined;
  device?: string | undefined;
  token?: string | undefined;
  secret?: string | undefined;
  ttl?: string | undefined;
  json?: boolean | undefined;
  count?: string | undefined;
  room?: string | undefined;
  to?: string | undefined;
  group?: string | undefined;
  text?: string | undefined;
}

/**
 * Where client commands find what the flags leave out, from the active profile's config: an app's
 * token secret (its database) and the WebSocket gate's URL.
 */
export interface ServerLookup {
  secretOf(appId: string): Promise<string>;
  wsUrl(): string;
}

/** Starts an SDK client for the flags; `before` sees it before it connects (to listen from the first sync). */
export async function signedInClient(
  command: string,
  flags: ClientFlags,
  server: ServerLookup,
  before: (c: Switchboard) => void = () => {},
): Promise<Switchboard> {
  const userId = flags.user;
  if (!userId) throw new UsageError(`${command} needs --user`);
  const appId = flags.app ?? 'demo';
  const deviceId = flags.device ?? `cli-${command}-${randomBytes(3).toString('hex')}`;
  const ttlSeconds = parseDurationSeconds(flags.ttl ?? '1h');
  // Looked up first: a missing app is a one-line error, not something to retry.
  const secret = flags.token ? '' : (flags.secret ?? (await server.secretOf(appId)));
  const client = createClient({
    url: flags.url ?? server.wsUrl(),
    deviceId,
    platform: 'cli',
    // A provider, so that a token about to expire is replaced at the next reconnect.
    token: flags.token ?? (() => mintToken({ appId, userId, ttlSeconds, secret })),
  });
  before(client);
  await client.start();
  return client;
}

/** `switchboard listen`: prints messages until interrupted or --count. */
export async function runListen(flags: ClientFlags, io: CliIo, server: ServerLookup): Promise<number> {
  const limit = flags.count === undefined ? Infinity : Number(flags.count);
  if (!(limit > 0)) throw new UsageError(`--count: expected a positive number, got "${flags.count}"`);
  let seen = 0;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onMessage = (m: Message) => {
    if (seen >= limit) return;
    seen++;
    io.out(flags.json ? JSON.stringify(messageJson(m)) : messageLine(m));
    if (seen >= limit) stop();
  };
  // Listen before signing in: the messages of the first sync are printed too.
  const client = await signedInClient('listen', flags, server, (c) => {
    c.on('message', onMessage);
    c.on('state', (state, reason) => {
      if (!flags.json) io.err(`[${state}${reason?.message ? `: ${reason.message}` : ''}]`);
      if (state === 'closed') stop();
    });
  });
  if (flags.room) await client.subscribe(flags.room);
  if (!flags.json) io.err(`listening as ${client.userId} (device ${client.deviceId}); Ctrl-C to stop`);
  io.signal.addEventListener('abort', stop, { once: true });
  await stopped;
  const reason = client.closedWith;
  await client.close();
  return reason ? 1 : 0;
}

/** `switchboard send`: one message, printed as stored. */
export async function runSend(
  flags: ClientFlags,
  words: string[],
  io: CliIo,
  server: ServerLookup,
): Promise<number> {
  const targets: Target[] = [];
  if (flags.to) targets.push({ user: flags.to });
  if (flags.group) targets.push({ group: flags.group });
  if (flags.room) targets.push({ room: flags.room });
  if (targets.length !== 1) throw new UsageError('send needs one of --to, --group or --room');
  const text = flags.text ?? (words.length > 0 ? words.join(' ') : undefined);
  if (text === undefined) throw new UsageError('send needs the text: --text <text> or as the last argument');
  const client = await signedInClient('send', flags, server);
  try {
    const m = await client.send(targets[0]!, text);
    io.out(
      flags.json
        ? JSON.stringify(messageJson(m))
        : `sent: message ${m.messageId}, seq ${m.seq}, conversation seq ${m.conversationSeq}`,
    );
    return 0;
  } finally {
    await client.close();
  }
}

const KINDS: Record<number, string> = {
  [ConversationType.CONVERSATION_TYPE_USER]: 'user',
  [ConversationType.CONVERSATION_TYPE_GROUP]: 'group',
  [ConversationType.CONVERSATION_TYPE_ROOM]: 'room',
  [ConversationType.CONVERSATION_TYPE_SYSTEM]: 'system',
};

function contentText(m: Message): string | undefined {
  if (m.contentType !== 'text' && !m.contentType.startsWith('switchboard/')) return undefined;
  return new TextDecoder().decode(m.content);
}

/** A message as one JSON object: `text` for text content, else `content` in base64. */
export function messageJson(m: Message): Record<string, unknown> {
  const text = contentText(m);
  return {
    messageId: m.messageId,
    seq: m.seq,
    conversation: { type: KINDS[m.conversation?.type ?? 0] ?? 'unknown', id: m.conversation?.id ?? '' },
    sender: m.sender ?? { userId: '', deviceId: '' },
    contentType: m.contentType,
    ...(text === undefined ? { content: Buffer.from(m.content).toString('base64') } : { text }),
    sentAt: m.sentAt,
    conversationSeq: m.conversationSeq,
    clientMsgId: m.clientMsgId,
  };
}

/** A message for people: `12:01:02 [group g1 #5] alice: hello`. */
export function messageLine(m: Message): string {
  const time = new Date(m.sentAt || Date.now()).toISOString().slice(11, 19);
  const kind = KINDS[m.conversation?.type ?? 0] ?? 'unknown';
  const where =
    kind === 'user'
      ? `with ${m.conversation?.id} #${m.conversationSeq}`
      : `${kind} ${m.conversation?.id ?? ''}`.trim();
  const place = kind === 'group' ? `${where} #${m.conversationSeq}` : where;
  const text = contentText(m) ?? `<${m.contentType}, ${m.content.length} bytes>`;
  return `${time} [${place}] ${m.sender?.userId || 'system'}: ${text}`;
}
