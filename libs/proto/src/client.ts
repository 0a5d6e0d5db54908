// The client protocol (switchboard.client.v1): what apps and browsers speak to gateways.
export * from './gen/switchboard/client/v1/packet.js';
export * from './gen/switchboard/client/v1/errors.js';
export * from './gen/switchboard/client/v1/messages.js';
