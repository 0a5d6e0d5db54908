import { ErrorCode } from '@switchboard/proto/client';
import { RpcError } from './rpc-error.js';

/**
 * Bounds of the ids and tags route and the gates accept on their internal RPCs (Count, GetCounts,
 * SetTags, SetUserTags). They match logic's: a room id as logic accepts it (`ID_LIMITS.room`) and
 * tags as `logic.tags` bounds them by default (at most 32 of at most 64 characters).
 */
export const INTERNAL_LIMITS = {
  roomIdLength: 128,
  /** User and device ids (logic allows 64 characters). */
  idLength: 64,
  tagLength: 64,
  tagsPerSet: 32,
  /** Users one SetUsersRoom names (logic sends a large group's members in calls of this size). */
  usersPerSetRoom: 1000,
  /** Packets one DeliverToRoom carries (`packet` plus `more`): a burst of one room's messages. */
  packetsPerRoomPush: 256,
  /** Sends one SendBatch may carry (gates gather at most 256 a call). */
  sendsPerBatch: 1024,
  /** Sign-ins one SignInBatch may carry (gates gather at most 256 a call). */
  signInsPerBatch: 1024,
  /** Binds one BindMany carries (logic sends a tick's sign-ins in calls of at most this many). */
  bindsPerCall: 1000,
} as const;

/** Throws INVALID_ARGUMENT unless `value` has at most `max` characters (empty allowed). */
export function checkLength(value: string, max: number, field: string): string {
  if (value.length > max) {
    throw new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, `${field} must be at most ${max} characters`);
  }
  return value;
}

/** Throws INVALID_ARGUMENT unless `roomId` has 1 to `roomIdLength` characters ({@link INTERNAL_LIMITS}). */
export function checkRoomId(roomId: string, field: string): string {
  if (roomId.length === 0 || roomId.length > INTERNAL_LIMITS.roomIdLength) {
    throw new RpcError(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
      `${field} must be 1-${INTERNAL_LIMITS.roomIdLength} characters`,
    );
  }
  return roomId;
}

/**
 * Throws INVALID_ARGUMENT unless `tags` is a set of server-granted tags within
 * {@link INTERNAL_LIMITS}: at most `tagsPerSet` non-empty tags of at most `tagLength` characters.
 */
export function checkTagSet(tags: readonly string[], field: string): readonly string[] {
  if (tags.length > INTERNAL_LIMITS.tagsPerSet) {
    throw new RpcError(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
      `${field} may hold at most ${INTERNAL_LIMITS.tagsPerSet} tags`,
    );
  }
  for (const tag of tags) {
    if (tag.length === 0 || tag.length > INTERNAL_LIMITS.tagLength) {
      throw new RpcError(
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        `${field} must be 1-${INTERNAL_LIMITS.tagLength} characters each`,
      );
    }
  }
  return tags;
}
