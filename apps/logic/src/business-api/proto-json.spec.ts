import { describe, expect, it } from 'vitest';
import { bearerKey } from './call-guard.js';
import { normaliseRequest, protoFieldPath, renderResponse } from './proto-json.js';

describe('proto3 JSON details driven by the generated schema', () => {
  it('names every key by its JSON name, in nested messages too', () => {
    expect(
      normaliseRequest('UpsertUserRequest', { user: { user_id: 'u', avatarUrl: 'a', created_at: '5' } }),
    ).toEqual({
      user: { userId: 'u', avatarUrl: 'a', createdAt: '5' },
    });
    expect(normaliseRequest('PushToTagsRequest', { expression: { all_of: ['a'], noneOf: ['b'] } })).toEqual({
      expression: { allOf: ['a'], noneOf: ['b'] },
    });
  });

  it('refuses a field given under both names, naming it', () => {
    expect(() => normaliseRequest('GetUserRequest', { userId: 'a', user_id: 'b' })).toThrow(
      expect.objectContaining({ field: 'user_id' }),
    );
  });

  it('refuses 64-bit integers past what a JS number holds exactly', () => {
    expect(() => normaliseRequest('GetHistoryRequest', { beforeSeq: '9007199254740992' })).toThrow(
      expect.objectContaining({ field: 'before_seq' }),
    );
    expect(normaliseRequest('GetHistoryRequest', { beforeSeq: '9007199254740991' })).toEqual({
      beforeSeq: '9007199254740991',
    });
  });

  it('renders 64-bit integers as strings in messages, arrays and nested messages, and every default', () => {
    expect(
      renderResponse('GetHistoryResponse', {
        messages: [{ messageId: 12, conversationSeq: 3, sentAt: -1, contentType: '7', content: 'aGk=' }],
        hasMore: true,
      }),
    ).toEqual({
      messages: [
        {
          messageId: '12',
          conversationSeq: '3',
          sentAt: '-1',
          contentType: '7',
          content: 'aGk=',
          // Fields at their default are in the answer too (emit defaults).
          senderUserId: '',
          senderDeviceId: '',
          clientMsgId: '',
        },
      ],
      hasMore: true,
    });
    expect(renderResponse('IsOnlineResponse', { online: { '12': true }, users: [] })).toEqual({
      online: { '12': true },
      users: [],
    });
    expect(renderResponse('GetOnlineCountsResponse', { onlineDevices: 4 })).toEqual({
      onlineDevices: 4,
      roomSubscribers: 0,
      tagConnections: 0,
      unreachableGates: 0,
    });
  });

  it('turns a JSON pointer into a proto field path', () => {
    expect(protoFieldPath('UpsertUserRequest', '/user/userId')).toBe('user.user_id');
    expect(protoFieldPath('UpsertUserRequest', '/user', 'shoeSize')).toBe('user.shoeSize');
    expect(protoFieldPath('IsOnlineRequest', '/userIds/2')).toBe('user_ids[2]');
    expect(protoFieldPath('PushToTagsRequest', '/expression/any_of/0')).toBe('expression.any_of[0]');
    expect(protoFieldPath('GetUserRequest', '')).toBe('');
  });
});

describe('bearerKey', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer  abc ', 'abc'],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['Basic abc', undefined],
    [undefined, undefined],
    [`Bearer ${'x'.repeat(2000)}`, undefined],
  ])('%j → %j', (header, key) => {
    expect(bearerKey(header)).toBe(key);
  });
});
