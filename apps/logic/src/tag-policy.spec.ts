import { ErrorCode } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import { connectionTags } from './tag-policy.js';

const limits = { allowClientDeclared: false, maxPerConnection: 3, maxLength: 8 };
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 0;
  } catch (err) {
    return (err as { code: number }).code;
  }
};

describe('connectionTags', () => {
  it("takes the token's tags, deduplicated", () => {
    expect(connectionTags(['v2', 'beta', 'v2'], [], limits)).toEqual(['v2', 'beta']);
    expect(connectionTags([], [], limits)).toEqual([]);
  });

  it('refuses client-declared tags unless allowed, then merges and bounds them', () => {
    expect(codeOf(() => connectionTags([], ['admin'], limits))).toBe(ErrorCode.ERROR_CODE_PERMISSION_DENIED);
    const open = { ...limits, allowClientDeclared: true };
    expect(connectionTags(['v2'], ['room1', 'v2'], open)).toEqual(['v2', 'room1']);
    expect(codeOf(() => connectionTags(['a', 'b'], ['c', 'd'], open))).toBe(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
    );
  });

  it('refuses empty, long, control-character and lone-surrogate tags, blaming their source', () => {
    for (const bad of ['', 'x'.repeat(9), 'a\nb', 'a\u0000', '\ud800x', 'x\udc00']) {
      expect(
        codeOf(() => connectionTags([bad], [], limits)),
        JSON.stringify(bad),
      ).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
      expect(
        codeOf(() => connectionTags([], [bad], { ...limits, allowClientDeclared: true })),
        JSON.stringify(bad),
      ).toBe(ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
    }
    expect(connectionTags(['😀ok'], [], limits)).toEqual(['😀ok']);
  });

  it('refuses more tags than a connection may carry', () => {
    expect(codeOf(() => connectionTags(['a', 'b', 'c', 'd'], [], limits))).toBe(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
    );
  });
});
