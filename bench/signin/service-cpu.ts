// Logic's SignInService alone, in this process: N sign-ins, --inflight at a time, against a scratch
// MariaDB database (or SQLite with --sqlite) and a stub route port (binds answer at once), so the
// figure is logic's own CPU per sign-in (token check, storage statements, kysely, mysql2) without
// gRPC, gates or route. Prints sign-ins/s and this process's CPU per sign-in (the MariaDB server's
// CPU is not in it). Meant for before/after comparisons run back to back in two worktrees:
//   npx tsx bench/signin/service-cpu.ts [--sign-ins 20000] [--inflight 500] [--sqlite]
import { parseArgs } from 'node:util';
import { DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import { SignJWT } from 'jose';
import { appCredentials, cachedApps } from '../../apps/logic/src/app-credentials.js';
import { SignInService } from '../../apps/logic/src/sign-in-service.js';
import { StubLogicRoutePort } from '../../apps/logic/src/stub-route-port.js';
import { TokenVerifier } from '../../apps/logic/src/token-verifier.js';
import { openScratchStorage } from '../shared/scratch-storage.js';

const { values: args } = parseArgs({
  options: {
    'sign-ins': { type: 'string', default: '20000' },
    inflight: { type: 'string', default: '500' },
    sqlite: { type: 'boolean', default: false },
    mysql: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
  },
});
const N = Number(args['sign-ins']);
const INFLIGHT = Number(args.inflight);
const secret = 'bench-secret-bench-secret-bench-secret';

const scratch = await openScratchStorage({
  sqlite: args.sqlite,
  mysqlServerUri: args.mysql,
  prefix: 'sb_signin_cpu',
});
const { storage } = scratch;
try {
  await storage.apps.create({ appId: 'bench', name: 'bench', tokenSecret: secret });
  const key = new TextEncoder().encode(secret);
  const tokens = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      new SignJWT({ app_id: 'bench' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(`u${i}`)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key),
    ),
  );
  const service = new SignInService(
    storage,
    new TokenVerifier(appCredentials(cachedApps(storage))),
    new StubLogicRoutePort(),
    30_000,
    { allowClientDeclared: false, maxPerConnection: 32, maxLength: 64 },
    { maxPerUser: 32, policy: 'drop_oldest' },
  );
  const ctx = { gateId: 'g', gateBootId: 'b', connId: 0 };
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < N) {
      const i = next++;
      const request = {
        token: tokens[i]!,
        appId: '',
        userId: '',
        deviceId: `d${i}`,
        platform: 'ios',
        tags: [],
      };
      await service.signIn(request, { ...ctx, connId: i }).catch(() => failed++);
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: INFLIGHT }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = (cpu.user + cpu.system) / N;
  console.log(
    `[signin-cpu] ${scratch.dialect}: ${N} sign-ins (${failed} failed), ${INFLIGHT} in flight: ` +
      `${Math.round(N / seconds)}/s, ${Math.round(cpuUs)} µs CPU per sign-in in this process`,
  );
} finally {
  await scratch.dispose();
}
