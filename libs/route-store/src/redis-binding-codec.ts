import { dec, enc } from './redis-keys.js';
import { type Binding } from './route-store.js';

/** A binding as stored in a user's hash: the gate incarnation it was made under, and the binding. */
export interface StoredBinding {
  readonly binding: Binding;
  readonly incarnation: number;
}

/** A registered gate: which incarnation of it is current, and where it listens. */
export interface GateRecord {
  readonly incarnation: number;
  /** The boot id of the gate process that registered this incarnation. */
  readonly bootId: string;
  readonly grpcAddress: string;
}

/** A live gate as read from the registry. */
export interface LiveGate extends GateRecord {
  readonly leaseExpiresAt: number;
}

interface BindingJson {
  /** gateId */
  g: string;
  /** gate boot id */
  b: string;
  /** gate incarnation */
  i: number;
  /** connId */
  c: string;
  /** epoch: the Lua scripts read this field, keep its name in step with redis-scripts.ts */
  e: number;
  /** platform */
  p: string;
  /** boundAt */
  t: number;
}

/** Serializes a binding for the user hash; app, user and device are already in the key and field. */
export function encodeBinding(binding: Binding, incarnation: number): string {
  const [head, tail] = encodeBindingAround(binding, incarnation);
  return `${head}${binding.epoch}${tail}`;
}

/**
 * A binding's JSON as {@link encodeBinding} writes it, cut around the epoch's digits: for a script
 * that takes the epoch itself and stores `head .. epoch .. tail`.
 */
export function encodeBindingAround(
  binding: Omit<Binding, 'epoch'>,
  incarnation: number,
): [head: string, tail: string] {
  // BindingJson's fields in its order, each string quoted by JSON.stringify: the text of
  // JSON.stringify(json) without building the object (the hot path of every bind).
  const s = JSON.stringify;
  return [
    `{"g":${s(binding.gateId)},"b":${s(binding.gateBootId)},"i":${s(incarnation)},"c":${s(binding.connId)},"e":`,
    `,"p":${s(binding.platform)},"t":${s(binding.boundAt)}}`,
  ];
}

/**
 * Stored bindings already parsed, by their text: a binding is written once per sign-in and read on
 * every push to its user (JSON.parse was a tenth of route's CPU). Past this many the map starts over.
 */
const MAX_PARSED = 65_536;
const parsed = new Map<string, BindingJson>();

/** Parses a stored binding back, given the ids its key and field carry. */
export function decodeBinding(
  appId: string,
  userId: string,
  deviceId: string,
  stored: string,
): StoredBinding {
  let json = parsed.get(stored);
  if (json === undefined) {
    json = JSON.parse(stored) as BindingJson;
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(stored, json);
  }
  return {
    incarnation: json.i,
    binding: {
      appId,
      userId,
      deviceId,
      gateId: json.g,
      gateBootId: json.b,
      connId: json.c,
      epoch: json.e,
      platform: json.p,
      boundAt: json.t,
    },
  };
}

/** A member of a gate's binding index: enough to find the binding and check it is still the same one. */
export function encodeRef(userId: string, deviceId: string, epoch: number): string {
  return `${encodeRefHead(userId, deviceId)}${epoch}`;
}

/** {@link encodeRef} up to the epoch, for a script that appends the epoch it takes. */
export function encodeRefHead(userId: string, deviceId: string): string {
  return `${enc(userId)}:${enc(deviceId)}:`;
}

/** Parses an index member back; undefined for anything malformed (never written by this code). */
export function decodeRef(ref: string): { userId: string; deviceId: string; epoch: number } | undefined {
  const [user, device, epoch, extra] = ref.split(':');
  if (user === undefined || device === undefined || epoch === undefined || extra !== undefined)
    return undefined;
  return { userId: dec(user), deviceId: dec(device), epoch: Number(epoch) };
}

/** A member of a gate's room index. */
export function encodeRoomRef(appId: string, roomId: string): string {
  return `${enc(appId)}:${enc(roomId)}`;
}

/** Parses a room index member back. */
export function decodeRoomRef(ref: string): { appId: string; roomId: string } | undefined {
  const [app, room, extra] = ref.split(':');
  if (app === undefined || room === undefined || extra !== undefined) return undefined;
  return { appId: dec(app), roomId: dec(room) };
}

/** Parses gate info "<incarnation>|<bootId>|<grpcAddress>" (boot ids never contain a bar). */
export function decodeGateInfo(info: string): GateRecord {
  const bar = info.indexOf('|');
  const bar2 = info.indexOf('|', bar + 1);
  return {
    incarnation: Number(info.slice(0, bar)),
    bootId: info.slice(bar + 1, bar2),
    grpcAddress: info.slice(bar2 + 1),
  };
}

/** Parses a dead-set member "<incarnation>:<gateId>" (the gate id is raw: it may contain colons). */
export function decodeDeadGate(member: string): { gateId: string; incarnation: number } {
  const colon = member.indexOf(':');
  return { incarnation: Number(member.slice(0, colon)), gateId: member.slice(colon + 1) };
}
