// The fake logic and route gRPC services for the Switchboard server, in a process of their own as
// logic and route would be in production, so that their memory and CPU are not counted as the
// gate's. Started by server-switchboard.ts; exits when its parent goes away.
import { startFakeUpstreams } from '@switchboard/gate/testing';
import type { UpstreamsReport } from './ipc.js';

if (!process.send) throw new Error('started by bench/fanout/server-switchboard.ts (needs an IPC channel)');
const upstreams = await startFakeUpstreams();
process.on('disconnect', () => void upstreams.stop().finally(() => process.exit(0)));
const report: UpstreamsReport = {
  t: 'upstreams',
  logicAddress: upstreams.logicAddress,
  routeAddress: upstreams.routeAddress,
  secret: upstreams.secret,
};
process.send(report);
