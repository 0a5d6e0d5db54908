import { resolve } from 'node:path';
import type { Suite } from './suite.js';
import { DEMO_APP } from './suite.js';

/** Where the CLI looks for the embedded database when nothing says otherwise. */
const DEFAULT_SQLITE_FILE = resolve('data/switchboard.db');

/** 127.0.0.0/8, ::1 and localhost: only this machine reaches a port bound there. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname);
}

/** What a person needs to connect, printed once the suite is up. */
export function banner(suite: Suite): string {
  return [
    '',
    'Switchboard is running (embedded: SQLite + in-memory route store).',
    '',
    ...(suite.chatUrl
      ? [`  web chat   ${suite.chatUrl}   (open it in two windows, sign in as two users of "${DEMO_APP}")`]
      : []),
    ...(suite.chatUrl && !isLoopback(new URL(suite.chatUrl).hostname)
      ? [
          `  WARNING    the web chat's dev API gives a token for any "${DEMO_APP}" user to anyone who reaches ${new URL(suite.chatUrl).host};`,
          '             turn it off with SWITCHBOARD_LOGIC__API__DEV_CHAT__ENABLED=false (docs/operations.md, "Web chat")',
        ]
      : []),
    `  WebSocket  ${suite.wsUrl}   (subprotocols switchboard.v1, switchboard.v1.json)`,
    `  TCP        ${suite.tcpUrl}   (4-byte big-endian length + protobuf Packet)`,
    `  HTTP API   ${suite.api.http}/   (business API, docs/business-api.md; gRPC ${suite.api.grpc})`,
    `  admin      ${suite.api.http.replace(/\/v1$/, '')}/admin/   (console; open it with an API key of the "${DEMO_APP}" app, below)`,
    `  metrics    ${[suite.health.gate, suite.health.wsGate, suite.health.route, suite.health.logic]
      .filter(Boolean)
      .map((u) => `${u}/metrics`)
      .join('  ')}`,
    `  data       ${suite.sqliteFile}`,
    '',
    `A token for the "${DEMO_APP}" app:`,
    // The CLI reads the demo secret from the database; point it at a non-default data folder.
    `  ${suite.sqliteFile === DEFAULT_SQLITE_FILE ? '' : `SWITCHBOARD_SQLITE__FILE=${suite.sqliteFile} `}npx switchboard token --app ${DEMO_APP} --user alice --device d1`,
    '',
    `An API key for the "${DEMO_APP}" app (shown once; the business API takes it as "Authorization: Bearer <key>"):`,
    `  ${suite.sqliteFile === DEFAULT_SQLITE_FILE ? '' : `SWITCHBOARD_SQLITE__FILE=${suite.sqliteFile} `}npx switchboard app key create --app ${DEMO_APP}`,
    '',
    'Protocol: docs/protocol.md. Stop with Ctrl-C.',
    '',
  ].join('\n');
}
