import {
  ConversationType,
  conversationKey,
  Switchboard,
  type ClientState,
  type CloseReason,
  type Message,
  type ReadReceipt,
  type Target,
} from '@switchboard/client';
import { createGroup, fetchToken, listGroups, listUsers } from './api.js';

// Every value from the server or another user goes into the page as text (textContent), never as
// markup: user ids, group names and messages are typed by whoever uses the chat.

const PAGE = 30;
const PRESENCE_EVERY_MS = 2_000;
const DEVICE_KEY = 'switchboard.chat.device';
const USER = ConversationType.CONVERSATION_TYPE_USER;
const GROUP = ConversationType.CONVERSATION_TYPE_GROUP;
const decoder = new TextDecoder();

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = '',
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** One conversation as this page holds it: its messages by conversation seq, so none shows twice. */
interface Conversation {
  key: string;
  target: Target;
  title: string;
  messages: Map<number, Message>;
  /** The oldest conversation seq shown; older ones load on scrolling up. */
  floor: number;
  opened: boolean;
  hasMore: boolean;
  unread: number;
  markedRead: number;
  /** Who else read up to where (from `receipt` events). */
  readBy: Map<string, number>;
}

const STATE_TEXT: Record<ClientState, string> = {
  idle: 'signed out',
  connecting: 'connecting…',
  syncing: 'syncing…',
  online: 'online',
  reconnecting: 'reconnecting…',
  closed: 'closed',
};

class Chat {
  private readonly conversations = new Map<string, Conversation>();
  private readonly online = new Map<string, boolean>();
  private open: Conversation | undefined;
  private loadingOlder = false;
  private unreadTimer: ReturnType<typeof setTimeout> | undefined;
  private presenceTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly client: Switchboard,
    private readonly me: string,
  ) {}

  async start(): Promise<void> {
    this.client.on('state', (state, reason) => this.showState(state, reason));
    this.client.on('message', (m) => this.onMessage(m));
    this.client.on('receipt', (r) => this.onReceipt(r));
    $('me').textContent = this.me;
    $('sign-in').hidden = true;
    $('chat').hidden = false;
    $('sign-out').hidden = false;
    $('messages').addEventListener('scroll', () => void this.maybeLoadOlder());
    $('composer').addEventListener('submit', (e) => {
      e.preventDefault();
      this.sendTyped();
    });
    $('group-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.createGroupTyped();
    });
    await this.client.start();
    await Promise.all([this.refreshPeople(), this.refreshGroups()]);
    this.refreshUnread();
    this.presenceTimer = setInterval(() => void this.refreshPeople(), PRESENCE_EVERY_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.presenceTimer);
    await this.client.close();
  }

  // ---- the sidebar ----

  private conversation(target: Target, title: string): Conversation {
    const key = conversationKey(
      'user' in target
        ? { type: USER, id: target.user }
        : 'group' in target
          ? { type: GROUP, id: target.group }
          : undefined,
    );
    let c = this.conversations.get(key);
    if (!c) {
      c = {
        key,
        target,
        title,
        messages: new Map(),
        floor: Infinity,
        opened: false,
        hasMore: false,
        unread: 0,
        markedRead: 0,
        readBy: new Map(),
      };
      this.conversations.set(key, c);
    } else if (title) c.title = title;
    return c;
  }

  private async refreshPeople(): Promise<void> {
    const users = await listUsers().catch(() => undefined);
    if (!users) return; // the server restarts: keep what is shown
    for (const u of users) this.online.set(u.user, u.online);
    for (const u of users) if (u.user !== this.me) this.conversation({ user: u.user }, u.user);
    this.renderLists();
  }

  private async refreshGroups(): Promise<void> {
    const groups = await listGroups(this.me).catch(() => undefined);
    for (const g of groups ?? []) this.conversation({ group: g.group }, g.name || g.group);
    this.renderLists();
  }

  /** Unread counts as the server keeps them (after this device's reads), batched. */
  private refreshUnread(): void {
    clearTimeout(this.unreadTimer);
    this.unreadTimer = setTimeout(async () => {
      const page = await this.client.conversations({ limit: 100 }).catch(() => undefined);
      for (const s of page?.conversations ?? []) {
        const c = this.conversations.get(conversationKey(s.conversation));
        if (c) c.unread = c === this.open ? 0 : s.unreadCount;
      }
      this.renderLists();
    }, 150);
  }

  private renderLists(): void {
    const people: HTMLElement[] = [];
    const groups: HTMLElement[] = [];
    const sorted = [...this.conversations.values()].sort((a, b) => a.title.localeCompare(b.title));
    for (const c of sorted) {
      const li = el('li', c === this.open ? 'open' : '');
      if ('user' in c.target) {
        li.dataset['user'] = c.target.user;
        const online = this.online.get(c.target.user) === true;
        li.append(el('span', online ? 'dot online' : 'dot', online ? '●' : '○'));
        people.push(li);
      } else if ('group' in c.target) {
        li.dataset['group'] = c.target.group;
        li.append(el('span', 'dot', '#'));
        groups.push(li);
      }
      li.append(el('span', 'name', c.title));
      const badge = el('span', 'badge', String(c.unread));
      badge.hidden = c.unread === 0;
      li.append(badge);
      li.addEventListener('click', () => void this.openConversation(c));
    }
    $('people').replaceChildren(...people);
    $('groups').replaceChildren(...groups);
  }

  // ---- one conversation ----

  private async openConversation(c: Conversation): Promise<void> {
    this.open = c;
    c.unread = 0;
    $('title').textContent = 'group' in c.target ? `# ${c.title}` : c.title;
    $('composer').hidden = false;
    this.renderLists();
    if (!c.opened) {
      c.opened = true;
      const page = await this.client.history(c.target, { limit: PAGE });
      this.merge(c, page.messages, page.hasMore);
    }
    this.renderMessages(true);
    this.markRead(c);
    $('text').focus();
    void this.maybeLoadOlder(); // a page too short to scroll loads more at once
  }

  private merge(c: Conversation, messages: readonly Message[], hasMore: boolean): void {
    for (const m of messages) if (!c.messages.has(m.conversationSeq)) c.messages.set(m.conversationSeq, m);
    const oldest = Math.min(...messages.map((m) => m.conversationSeq));
    c.floor = messages.length > 0 ? Math.min(c.floor, oldest) : Math.min(c.floor, 1);
    c.hasMore = hasMore;
  }

  private async maybeLoadOlder(): Promise<void> {
    const c = this.open;
    const box = $('messages');
    if (!c || !c.hasMore || this.loadingOlder || box.scrollTop > 40) return;
    this.loadingOlder = true;
    try {
      const page = await this.client.history(c.target, { beforeSeq: c.floor, limit: PAGE });
      if (c !== this.open) return;
      const fromBottom = box.scrollHeight - box.scrollTop;
      this.merge(c, page.messages, page.hasMore);
      this.renderMessages(false);
      box.scrollTop = box.scrollHeight - fromBottom;
    } finally {
      this.loadingOlder = false;
    }
    if (box.scrollHeight <= box.clientHeight) void this.maybeLoadOlder();
  }

  private renderMessages(toBottom: boolean): void {
    const c = this.open;
    if (!c) return;
    const box = $('messages');
    const atBottom = toBottom || box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    const shown = [...c.messages.values()]
      .filter((m) => m.conversationSeq >= c.floor)
      .sort((a, b) => a.conversationSeq - b.conversationSeq);
    const nodes: HTMLElement[] = [];
    if (c.hasMore) nodes.push(el('div', 'older', 'scroll up for older messages'));
    for (const m of shown) nodes.push(this.messageNode(c, m));
    box.replaceChildren(...nodes);
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  private messageNode(c: Conversation, m: Message): HTMLElement {
    const text = decoder.decode(m.content);
    if (m.contentType.startsWith('switchboard/')) return el('div', 'event', groupEvent(m.contentType, text));
    const from = m.sender?.userId ?? '';
    const mine = from === this.me;
    const node = el('div', mine ? 'msg mine' : 'msg');
    node.dataset['seq'] = String(m.conversationSeq);
    node.append(el('span', 'from', from), el('span', 'text', text));
    if (mine) {
      const readers = [...c.readBy].filter(([, seq]) => seq >= m.conversationSeq).map(([u]) => u);
      const receipt =
        readers.length === 0
          ? '✓ sent'
          : 'user' in c.target
            ? '✓✓ read'
            : `✓✓ read by ${readers.sort().join(', ')}`;
      node.append(el('span', readers.length === 0 ? 'receipt' : 'receipt read', receipt));
    }
    return node;
  }

  private markRead(c: Conversation): void {
    const newest = Math.max(0, ...c.messages.keys());
    if (newest <= c.markedRead) return;
    c.markedRead = newest;
    this.client
      .markRead(c.target, newest)
      .then(() => this.refreshUnread())
      .catch(() => (c.markedRead = 0));
  }

  // ---- events ----

  private onMessage(m: Message): void {
    const type = m.conversation?.type;
    const id = m.conversation?.id ?? '';
    if (type !== USER && type !== GROUP) return; // rooms and broadcasts: not this page's business
    const isNew = !this.conversations.has(conversationKey(m.conversation));
    const c = this.conversation(type === USER ? { user: id } : { group: id }, isNew ? id : '');
    if (isNew && type === GROUP) void this.refreshGroups();
    if (!c.messages.has(m.conversationSeq)) c.messages.set(m.conversationSeq, m);
    if (c === this.open) {
      this.renderMessages(false);
      this.markRead(c);
    } else if (m.sender?.userId !== this.me) this.refreshUnread();
    if (isNew) this.renderLists();
  }

  private onReceipt(r: ReadReceipt): void {
    const c = this.conversations.get(conversationKey(r.conversation));
    if (r.userId === this.me || !c) {
      this.refreshUnread(); // another device of mine read: the badges go down
      return;
    }
    c.readBy.set(r.userId, Math.max(c.readBy.get(r.userId) ?? 0, r.readSeq));
    if (c === this.open) this.renderMessages(false);
  }

  private showState(state: ClientState, reason: CloseReason | undefined): void {
    const badge = $('state');
    badge.dataset['state'] = state;
    // Why it is retrying goes in the tooltip; the badge says the reason only once it gave up.
    badge.textContent =
      state === 'closed' && reason?.message ? `${STATE_TEXT[state]}: ${reason.message}` : STATE_TEXT[state];
    badge.title = reason?.message ?? '';
    if (state === 'online') {
      // Back from a reconnect: the sync brought the messages; the lists may have changed meanwhile.
      void this.refreshGroups();
      this.refreshUnread();
    }
  }

  private sendTyped(): void {
    const input = $<HTMLInputElement>('text');
    const c = this.open;
    const text = input.value.trim();
    if (!c || text === '') return;
    input.value = '';
    // Resolves once, when stored, even across a reconnect (the SDK retries with the same id).
    this.client.send(c.target, text).catch((err: Error) => {
      $('state').textContent = `not sent: ${err.message}`;
    });
  }

  private async createGroupTyped(): Promise<void> {
    const name = $<HTMLInputElement>('group-name');
    const members = $<HTMLInputElement>('group-members');
    const ids = members.value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    try {
      const g = await createGroup(this.me, name.value.trim() || 'group', ids);
      name.value = '';
      members.value = '';
      await this.refreshGroups();
      const c = this.conversations.get(conversationKey({ type: GROUP, id: g.group }));
      if (c) await this.openConversation(c);
    } catch (err) {
      $('state').textContent = `group not created: ${(err as Error).message}`;
    }
  }
}

/** A group's own system message (docs/protocol.md, group events), as a line of text. */
function groupEvent(contentType: string, json: string): string {
  let body: { name?: string; owner_user_id?: string; user_ids?: string[] } = {};
  try {
    body = JSON.parse(json) as typeof body;
  } catch {
    // Not JSON: the event's name says enough.
  }
  const users = (body.user_ids ?? []).join(', ');
  switch (contentType) {
    case 'switchboard/group-created':
      return `${body.owner_user_id ?? ''} created ${body.name ?? 'the group'} with ${users}`;
    case 'switchboard/member-added':
      return `added: ${users}`;
    case 'switchboard/member-removed':
      return `removed: ${users}`;
    case 'switchboard/group-updated':
      return `renamed to ${body.name ?? ''}`;
    default:
      return contentType.slice('switchboard/'.length);
  }
}

async function signIn(user: string): Promise<void> {
  const error = $('sign-in-error');
  error.hidden = true;
  try {
    // One device per tab (sessionStorage is per tab): two tabs of one user are two devices.
    const first = await fetchToken(user, sessionStorage.getItem(DEVICE_KEY) ?? undefined);
    sessionStorage.setItem(DEVICE_KEY, first.device);
    let token: string | undefined = first.token;
    const client = new Switchboard({
      url: first.url,
      deviceId: first.device,
      platform: 'web',
      // Called again before the token expires and when the server refuses it.
      token: async () => {
        const t = token ?? (await fetchToken(user, first.device)).token;
        token = undefined;
        return t;
      },
      backoff: { baseMs: 300, maxMs: 5_000 },
    });
    const chat = new Chat(client, first.user);
    $('sign-out').onclick = () => void chat.stop().then(() => location.reload());
    await chat.start();
  } catch (err) {
    error.textContent = (err as Error).message;
    error.hidden = false;
  }
}

async function showSignIn(): Promise<void> {
  $('name-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $<HTMLInputElement>('name').value.trim();
    if (name) void signIn(name);
  });
  const users = await listUsers().catch(() => []);
  $('demo-users').replaceChildren(
    ...users.map((u) => {
      const button = el('button', 'user', u.user);
      button.type = 'button';
      button.dataset['user'] = u.user;
      button.addEventListener('click', () => void signIn(u.user));
      return button;
    }),
  );
}

void showSignIn();
