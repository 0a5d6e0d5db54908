import type { Message, Target } from '@switchboard/client/node';
import { messageLine, signedInClient, type ClientFlags, type ServerLookup } from './client-commands.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

export const CHAT_USAGE = `  switchboard chat --user <user> (--with <user> | --group <group>) [--app demo] [--url …]
      [--device <device>] [--token <token> | --secret <secret>]
      An interactive chat in the terminal: the last 20 messages of the conversation, then new ones
      as they arrive (marked read as they are shown, with read receipts from the others); every
      line typed is sent. /quit (or Ctrl-D, Ctrl-C) leaves.`;

/** `switchboard chat`: reads lines from `input`, prints the conversation. */
export async function runChat(
  flags: ClientFlags & { with?: string | undefined },
  input: AsyncIterable<string>,
  io: CliIo,
  server: ServerLookup,
): Promise<number> {
  const target: Target | undefined = flags.with
    ? { user: flags.with }
    : flags.group
      ? { group: flags.group }
      : undefined;
  if (!target || (flags.with && flags.group))
    throw new UsageError('chat needs one of --with <user> or --group <group>');
  const id = flags.with ?? flags.group!;
  const ours = (m: Message) =>
    m.conversation?.id === id && m.conversation.type === ('user' in target ? 1 : 2) && m.conversationSeq > 0;
  let shownThrough = 0;
  const show = (m: Message) => {
    if (!ours(m) || m.conversationSeq <= shownThrough) return;
    shownThrough = m.conversationSeq;
    io.out(messageLine(m));
  };
  const client = await signedInClient('chat', flags, server, (c) => {
    c.on('state', (state) => {
      if (state !== 'online') io.err(`[${state}]`);
    });
  });
  try {
    const page = await client.history(target, { limit: 20 });
    for (const m of [...page.messages].reverse()) show(m);
    client.on('message', (m) => {
      show(m);
      // What is shown is read: the others get a receipt.
      if (ours(m) && m.sender?.userId !== client.userId)
        void client.markRead(target, m.conversationSeq).catch(() => {});
    });
    client.on('receipt', (r) => {
      if (r.conversation?.id === id && r.userId !== client.userId)
        io.err(`  (${r.userId} read up to #${r.readSeq})`);
    });
    if (shownThrough > 0) await client.markRead(target, shownThrough);
    io.err(`chatting as ${client.userId} with ${id}; /quit to leave`);
    const aborted = new Promise<void>((resolve) =>
      io.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    const lines = input[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([
        lines.next(),
        aborted.then(() => ({ done: true, value: '' }) as const),
      ]);
      if (next.done || next.value.trim() === '/quit') break;
      if (next.value.trim() === '') continue;
      const sent = await client.send(target, next.value);
      show(sent);
    }
    return 0;
  } finally {
    await client.close();
  }
}
