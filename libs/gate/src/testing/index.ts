// Test support for the gateway apps' integration specs (`@switchboard/gate/testing`).
export { startFakeUpstreams, type FakeUpstreams } from './fake-upstreams.js';
export { messagePush } from './message-push.js';
