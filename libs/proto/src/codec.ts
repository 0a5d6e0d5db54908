// Hand-written helpers around the generated code for the hot paths: one reused writer per process
// (encodeToBuffer), 64-bit integers without BigInts, and service definitions that use both.
export { encodeToBuffer, type MessageEncoder, writeToBuffer } from './codec/pooled-encode.js';
export { NumberInt64Reader, NumberInt64Writer } from './codec/number-int64.js';
