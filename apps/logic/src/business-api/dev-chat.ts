import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { mintToken } from '@switchboard/protocol/token';
import { requireId } from '../ids.js';
import { invalid, requireCount, requireText } from '../business/business-errors.js';
import type { Presence } from '../business/presence.js';
import type { GroupAdmin } from '../groups/group-admin.js';
import { ADMIN_CSP } from './admin-console.js';
import type { WebApp, WebAsset } from './web-assets.js';

/** Where the business HTTP API serves the web chat, when `logic.api.devChat.enabled`. */
export const CHAT_PATH = '/chat/';

/** `web/chat`. */
export const WEB_CHAT: WebApp = { dir: 'chat', script: 'chat.js', stylesheet: 'chat.css' };

/** The users the page offers before anyone signed in; whoever signs in joins the list. */
export const DEMO_USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
/** Users remembered past the demo ones (the oldest is forgotten first): the list stays small. */
const MAX_KNOWN_USERS = 100;
/** How long a minted token lives; the page's SDK asks for a new one before it expires. */
const TOKEN_TTL_SECONDS = 3600;
/** Most members the page may put in a group it creates. */
const MAX_GROUP_MEMBERS = 20;

export interface DevChatOptions {
  /** `logic.api.devChat.app`: the only app the endpoints mint tokens for and read. */
  appId: string;
  /** The app's current token secret (undefined: no such app). */
  secret(): Promise<string | undefined>;
  presence: Presence;
  groups: GroupAdmin;
  /** The WebSocket gate the page connects to (known once the gate listens). */
  gatewayUrl(): string | undefined;
  /** The page's files (none: only the API is served). */
  assets?: ReadonlyMap<string, WebAsset> | undefined;
}

/**
 * The web chat and its dev-only API, registered only when `logic.api.devChat.enabled` (the embedded
 * profile): anyone who reaches the port gets a token for any user of one app. So: one app only,
 * ids checked by logic's own rules, and only for a Host that is an IP address or `localhost`, which a
 * page of another site cannot make a browser send (DNS rebinding needs a name).
 */
export function registerDevChat(app: FastifyInstance, options: DevChatOptions): void {
  const known = new Set<string>(DEMO_USERS);
  const remember = (user: string) => {
    known.delete(user);
    known.add(user);
    if (known.size > DEMO_USERS.length + MAX_KNOWN_USERS) {
      for (const u of known) {
        if (!(DEMO_USERS as readonly string[]).includes(u)) {
          known.delete(u);
          break;
        }
      }
    }
  };

  /**
   * The gate as this request's browser reaches it: a gate listening on every interface (`--host
   * 0.0.0.0`) is at the host the page was loaded from.
   */
  const gateFor = (request: FastifyRequest): URL | undefined => {
    const ws = options.gatewayUrl();
    if (!ws) return undefined;
    const url = new URL(ws);
    if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = request.hostname;
    return url;
  };
  const csp = (request: FastifyRequest) => {
    const ws = gateFor(request);
    const gate = ws ? ` ${ws.origin}` : '';
    // The console's policy, widened to the gate's origin: the page's one other connection.
    return ADMIN_CSP.replace("connect-src 'self'", `connect-src 'self'${gate}`);
  };
  for (const [name, asset] of options.assets ?? []) {
    app.get(name === 'index.html' ? CHAT_PATH : `${CHAT_PATH}${name}`, async (request, reply) => {
      localOnly(request);
      return reply
        .header('content-security-policy', csp(request))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .type(asset.type)
        .send(asset.body);
    });
  }

  const json = (reply: FastifyReply, body: unknown) =>
    reply.header('cache-control', 'no-store').type('application/json').send(body);

  app.post(`${CHAT_PATH}api/token`, async (request, reply) => {
    localOnly(request);
    const body = objectBody(request);
    const user = requireId('user', stringField(body, 'user'), 'user');
    const device =
      body['device'] === undefined
        ? `web-${randomBytes(4).toString('hex')}`
        : requireId('device', stringField(body, 'device'), 'device');
    const secret = await options.secret();
    if (!secret)
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_APP_NOT_FOUND,
        `no app "${options.appId}" to sign in to`,
      );
    const url = gateFor(request)?.href;
    if (!url)
      throw new SwitchboardError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'the WebSocket gate is not up yet');
    const token = await mintToken({
      appId: options.appId,
      userId: user,
      deviceId: device,
      ttlSeconds: TOKEN_TTL_SECONDS,
      secret,
    });
    remember(user);
    return json(reply, { token, url, appId: options.appId, user, device });
  });

  app.get(`${CHAT_PATH}api/users`, async (request, reply) => {
    localOnly(request);
    const users = await options.presence.ofUsers(options.appId, [...known]);
    return json(reply, { users: users.map((u) => ({ user: u.userId, online: u.online })) });
  });

  app.get(`${CHAT_PATH}api/groups`, async (request, reply) => {
    localOnly(request);
    const query = request.query as Record<string, unknown>;
    const user = requireId('user', typeof query['user'] === 'string' ? query['user'] : '', 'user');
    const page = await options.groups.list(options.appId, user, '', 100);
    return json(reply, { groups: page.items.map((g) => ({ group: g.groupId, name: g.name })) });
  });

  app.post(`${CHAT_PATH}api/groups`, async (request, reply) => {
    localOnly(request);
    const body = objectBody(request);
    const owner = requireId('user', stringField(body, 'owner'), 'owner');
    const name = requireText(stringField(body, 'name'), 'name', 64);
    const members = body['members'];
    if (!Array.isArray(members) || !members.every((m) => typeof m === 'string'))
      throw invalid('members', 'members must be a list of user ids');
    requireCount(members, 'members', MAX_GROUP_MEMBERS);
    members.forEach((m: string, i) => requireId('user', m, `members[${i}]`));
    const group = await options.groups.create(options.appId, {
      groupId: '',
      name,
      ownerUserId: owner,
      memberUserIds: members.filter((m: string) => m !== owner),
      extra: '',
    });
    for (const m of [owner, ...members]) remember(m);
    return json(reply, { group: group.groupId, name: group.name });
  });
}

function localOnly(request: FastifyRequest): void {
  const host = request.hostname.replace(/^\[|\]$/g, '');
  if (host !== 'localhost' && isIP(host) === 0)
    throw new SwitchboardError(
      ErrorCode.ERROR_CODE_PERMISSION_DENIED,
      'the web chat answers on an IP address or localhost only',
    );
}

function objectBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('body', 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string`);
  return value;
}
