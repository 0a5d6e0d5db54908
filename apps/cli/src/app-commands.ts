import { randomBytes } from 'node:crypto';
import type { App, Storage } from '@switchboard/storage';
import { parseAppSwitch, parseGraceMs, parseWebhookUrl, required, type AppFlags } from './app-flags.js';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';

/** The `app` subcommands. */
export const APP_COMMANDS = [
  'create',
  'list',
  'show',
  'key create',
  'key list',
  'key revoke',
  'secret rotate',
  'webhook set',
  'webhook clear',
  'set',
] as const;

export const APP_USAGE = `  switchboard app create --app <app> [--name <name>] [--secret <secret>] [--json]
      Creates an app (tenant) and its first API key in the active profile's database, and
      prints the app's token secret and the key. The key is shown only this once: only its
      hash is stored. With MySQL, creates the database first when it does not exist.
      --json prints one line: {"appId":…,"tokenSecret":…,"apiKey":…}.
  switchboard app list [--json]
      Lists apps.
  switchboard app show --app <app> [--show-secret] [--json]
      Shows an app's settings and active API key ids; the token secret only with --show-secret.
  switchboard app key create --app <app> [--name <name>] [--json]
      Creates another API key (an app may hold several) and prints it, once.
  switchboard app key list --app <app> [--json]
      Lists the app's API keys (ids, names, times; never the keys).
  switchboard app key revoke --app <app> --key <key id>
      Revokes a key: business API calls with it are refused from now on.
  switchboard app secret rotate --app <app> [--grace 10m] [--secret <secret>] [--json]
      Replaces the token secret (random unless --secret) and prints it. Tokens signed with the
      old secret stay valid for the grace period, then are refused; the default 0s refuses them
      at once, so every client needs a token signed with the new secret.
  switchboard app webhook set --app <app> --url <http(s) url> [--webhook-secret <secret>] [--json]
      Sets the webhook URL and prints the secret that signs its requests (random unless given).
  switchboard app webhook clear --app <app>
      Removes the webhook and its secret.
  switchboard app set --app <app> [--allow-client-tags true|false|default]
                      [--allow-room-sends true|false|default]
      Whether clients may declare their own tags at sign-in (default follows the server's
      logic.tags.allowClientDeclared), and whether they may send to rooms (default follows the
      server's configuration). At least one of the two.`;

/** How the app commands reach the database and the terminal (main wires the real ones). */
export interface AppCommandContext {
  /** Opens the active profile's database (creating a missing MySQL database when asked), migrated. */
  withStorage<T>(use: (storage: Storage) => Promise<T>, options?: { createDatabase?: boolean }): Promise<T>;
  print(text: string): void;
}

/** Runs `switchboard app <words…>` and resolves with the exit code; throws `UsageError` for a bad command line. */
export async function runAppCommand(
  words: string[],
  flags: AppFlags,
  ctx: AppCommandContext,
): Promise<number> {
  const command = words.join(' ');
  switch (command) {
    case 'create':
      return createApp(flags, ctx);
    case 'list':
      return listApps(flags, ctx);
    case 'show':
      return showApp(flags, ctx);
    case 'key create':
      return createKey(flags, ctx);
    case 'key list':
      return listKeys(flags, ctx);
    case 'key revoke':
      return revokeKey(flags, ctx);
    case 'secret rotate':
      return rotateSecret(flags, ctx);
    case 'webhook set':
      return setWebhook(flags, ctx);
    case 'webhook clear':
      return clearWebhook(flags, ctx);
    case 'set':
      return setOptions(flags, ctx);
    default:
      throw new UsageError(incompleteCommand(command) ?? unknownCommand(command));
  }
}

/**
 * `app` or `app key` alone: what may follow it. A group is a prefix of whole words, so `app ke`
 * is not one (it is a mistyped command, for didYouMean).
 */
function incompleteCommand(command: string): string | undefined {
  const prefix = command === '' ? '' : `${command} `;
  const rest = APP_COMMANDS.filter((c) => c.startsWith(prefix)).map((c) => c.slice(prefix.length));
  return rest.length === 0
    ? undefined
    : `"app${command ? ` ${command}` : ''}" needs one of: ${rest.join(', ')}`;
}

function unknownCommand(command: string): string {
  return `unknown command "app ${command}"${didYouMean(command, [...APP_COMMANDS])}`;
}

const randomSecret = () => randomBytes(32).toString('base64url');
const iso = (millis: number) => new Date(millis).toISOString();
const json = (value: unknown) => JSON.stringify(value);

/** The app, or a one-line error (exit 1) naming it. */
async function appOf(storage: Storage, appId: string): Promise<App> {
  const app = await storage.apps.get(appId);
  if (!app) throw new Error(`no app "${appId}"`);
  return app;
}

async function createApp(flags: AppFlags, ctx: AppCommandContext): Promise<number> {
  const appId = required(flags, 'app', 'app create');
  const tokenSecret = flags.secret ?? randomSecret();
  const created = await ctx.withStorage(
    async (s) => {
      await s.apps.create({ appId, name: flags.name ?? appId, tokenSecret });
      return s.apiKeys.create({ appId, name: 'default' });
    },
    { createDatabase: true },
  );
  if (flags.json) {
    ctx.print(json({ appId, tokenSecret, apiKey: created.key }));
  } else {
    ctx.print(
      [
        `created app "${appId}"`,
        `secret: ${tokenSecret}`,
        `api key: ${created.key}`,
        'The API key is shown only this once (only its hash is stored): keep it now.',
      ].join('\n'),
    );
  }
  return 0;
}

async function listApps(flags: AppFlags, ctx: AppCommandContext): Promise<number> {
  const apps = await ctx.withStorage((s) => s.apps.list());
  if (flags.json) {
    ctx.print(json(apps.map((a) => ({ appId: a.appId, name: a.name, createdAt: iso(a.createdAt) }))));
  } else {
    for (const a of apps) ctx.print(`${a.appId}\t${a.name}\t${iso(a.createdAt)}`);
  }
  return 0;
}

async function showApp(flags: AppFlags, ctx: AppCommandContext): Promise<number> {
  const appId = required(flags, 'app', 'app show');
  const { app, keys } = await ctx.withStorage(async (s) => ({
    app: await appOf(s, appId),
    keys: (await s.apiKeys.list(appId)).filter((k) => k.revokedAt === null),
  }));
  const validUntil = app.previousSecretValidUntil;
  const previousValid = app.previousTokenSecret !== null && validUntil !== null && Date.now() < validUntil;
  if (flags.json) {
    ctx.print(
      json({
        appId: app.appId,
        name: app.name,
        createdAt: iso(app.createdAt),
        ...(flags['show-secret'] ? { tokenSecret: app.tokenSecret } : {}),
        previousSecretValid: previousValid,
        previousSecretValidUntil: previousValid ? iso(validUntil) : null,
        webhookUrl: app.webhookUrl,
        allowClientTags: app.allowClientTags,
        allowClientRoomSends: app.allowClientRoomSends,
        activeKeys: keys.map((k) => ({ keyId: k.keyId, name: k.name, createdAt: iso(k.createdAt) })),
      }),
    );
    return 0;
  }
  const rows: Array<[string, string]> = [
    ['app', app.appId],
    ['name', app.name],
    ['created', iso(app.createdAt)],
    ['token secret', flags['show-secret'] ? app.tokenSecret : '(hidden; --show-secret prints it)'],
    ['previous secret', previousValid ? `accepted until ${iso(validUntil)}` : 'none accepted'],
    ['webhook', app.webhookUrl ?? 'none'],
    [
      'allow client tags',
      app.allowClientTags === null ? 'default (logic.tags.allowClientDeclared)' : String(app.allowClientTags),
    ],
    [
      'allow room sends',
      app.allowClientRoomSends === null ? 'default (server configuration)' : String(app.allowClientRoomSends),
    ],
    [
      'active keys',
      keys.length === 0 ? 'none' : keys.map((k) => (k.name ? `${k.keyId} (${k.name})` : k.keyId)).join(', '),
    ],
  ];
  for (const [label, value] of rows) ctx.print(`${`${label}:`.padEnd(19)}${value}`);
  return 0;
}

async function createKey(flags: AppFlags, ctx: AppCommandContext): Promise<number> {
  const appId = required(flags, 'app', 'app key create');
  const created = await ctx.withStorage(async (s) => {
    await appOf(s, appId);
    return s.apiKeys.create({ appId, name: flags.name ?? '' });
  });
  if (flags.json) {
    ctx.print(json({ appId, keyId: created.keyId, name: created.name, apiKey: created.key }));
  } else {
    ctx.print(
      [
        `created API key ${created.keyId} for app "${appId}"`,
        `api key: ${created.key}`,
        'The API key is shown only this once (only its hash is stored): keep it now.',
      ].join('\n'),
    );
  }
  return 0;
}

async function listKeys(flags: AppFlags, ctx: AppCommandContext): Promise<number> {
  const appId = required(flags, 'app', 'app key list');
  const keys = await ctx.withStorage(async (s) => {
    await appOf(s, appId);
    return s.apiKeys.list(appId);
  });
  if (flags.json) {
    ctx.print(
      json(
        keys.map((k) => ({
          keyId: k.keyId,
          name: k.name,
          createdAt: iso(k.createdAt),
          revokedAt: k.revokedAt === null ? null : iso(k.revokedAt),
        })),
      ),
    );
  } else {
    for (const k of keys) {
      const state = k.revokedAt === null ? 'active' : `revoked ${iso(k.revokedAt)}`;
      ctx.print(`${k.keyId}\t${k.name}\t${iso(k.createdAt)}\t${state}`);
    }
  }
  return 0;
}

async function revokeKey(flags: AppFlags, ctx: AppCommandContext): Promise<number> {
  const appId = required(flags, 'app', 'app key revoke');
  const keyId = required(flags, 'key', 'app key revoke');
  await ctx.withStorage(async (s) => {
    await appOf(s, appId);
    if (!(await s.apiKeys.revoke(appId, keyId))) throw new Error(`app "${appId}" has no API key ${keyId}`);
  });
  ctx.print(`revoked API key ${keyId} of app "${appId}"`);
  return 0;
}

async function rotateSecret(flags: AppFlags, ctx: AppCommandContext): Promise<number> {
  const appId = required(flags, 'app', 'app secret rotate');
  const graceMs = parseGraceMs(flags.grace);
  const tokenSecret = flags.secret ?? randomSecret();
  const app = await ctx.withStorage(async (s) => {
    await appOf(s, appId);
    return s.apps.rotateTokenSecret(appId, tokenSecret, graceMs);
  });
  const until =
    graceMs > 0 && app.previousSecretValidUntil !== null ? iso(app.previousSecretValidUntil) : null;
  if (flags.json) {
    ctx.print(json({ appId, tokenSecret, previousSecretValidUntil: until }));
  } else {
    ctx.print(
      [
        `rotated the token secret of app "${appId}"`,
        `secret: ${tokenSecret}`,
        until
          ? `Tokens signed with the previous secret are accepted until ${until}.`
          : 'Tokens signed with the previous secret are refused from now on.',
      ].join('\n'),
    );
  }
  return 0;
}

async function setWebhook(flags: AppFlags, ctx: AppCommandContext): Promise<number> {
  const appId = required(flags, 'app', 'app webhook set');
  const webhookUrl = parseWebhookUrl(required(flags, 'url', 'app webhook set'));
  const webhookSecret = flags['webhook-secret'] ?? randomSecret();
  await ctx.withStorage(async (s) => {
    await appOf(s, appId);
    await s.apps.updateSettings(appId, { webhookUrl, webhookSecret });
  });
  if (flags.json) {
    ctx.print(json({ appId, webhookUrl, webhookSecret }));
  } else {
    ctx.print(`set the webhook of app "${appId}" to ${webhookUrl}\nwebhook secret: ${webhookSecret}`);
  }
  return 0;
}

async function clearWebhook(flags: AppFlags, ctx: AppCommandContext): Promise<number> {
  const appId = required(flags, 'app', 'app webhook clear');
  await ctx.withStorage(async (s) => {
    await appOf(s, appId);
    await s.apps.updateSettings(appId, { webhookUrl: null, webhookSecret: null });
  });
  ctx.print(`removed the webhook of app "${appId}"`);
  return 0;
}

async function setOptions(flags: AppFlags, ctx: AppCommandContext): Promise<number> {
  const appId = required(flags, 'app', 'app set');
  const allowClientTags = parseAppSwitch('allow-client-tags', flags['allow-client-tags']);
  const allowClientRoomSends = parseAppSwitch('allow-room-sends', flags['allow-room-sends']);
  if (allowClientTags === undefined && allowClientRoomSends === undefined) {
    throw new UsageError('app set needs --allow-client-tags or --allow-room-sends');
  }
  await ctx.withStorage(async (s) => {
    await appOf(s, appId);
    await s.apps.updateSettings(appId, {
      ...(allowClientTags !== undefined ? { allowClientTags } : {}),
      ...(allowClientRoomSends !== undefined ? { allowClientRoomSends } : {}),
    });
  });
  const shown = (value: boolean | null) => (value === null ? 'default' : String(value));
  if (allowClientTags !== undefined) {
    ctx.print(`set allow-client-tags of app "${appId}" to ${shown(allowClientTags)}`);
  }
  if (allowClientRoomSends !== undefined) {
    ctx.print(`set allow-room-sends of app "${appId}" to ${shown(allowClientRoomSends)}`);
  }
  return 0;
}
