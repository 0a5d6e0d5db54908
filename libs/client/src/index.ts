export { SwitchboardClient, type CloseInfo } from './switchboard-client.js';
export { TcpClientTransport, WsClientTransport, type ClientTransport } from './client-transport.js';
export { InboxClient, type InboxClientOptions, type InboxClientStats } from './inbox-client.js';
export { withTimeout } from './with-timeout.js';
export { GroupTracker, type GroupTrackerStats } from './group-tracker.js';
