import fc from 'fast-check';
import { escape, format, type SqlValue } from 'mysql2';
import { describe, expect, it } from 'vitest';
import { readStateStatements } from './append-read-state.js';
import { AppendPlan } from './append-writes.js';
import { awkwardString } from './mysql-literal-arbitraries.js';
import { stringLiteral } from './mysql-literal.js';
import type { RepositoryContext } from './repository-context.js';
import { counterStatements } from './seq-allocation.js';
import { placeholderCount, writeStatements } from './sql-text.js';
import type { AppendInput } from './types.js';

const bytes = fc.uint8Array({ maxLength: 64 });

/** One value written into a text as the append's requests write it. */
const literal = (value: unknown) => writeStatements([{ text: 'select ?', parameters: [value] }]);
/** The same value as mysql2 formats it. */
const mysql2 = (value: unknown) => format('select ?', [value as SqlValue]);

describe('SQL literals written without mysql2', () => {
  it("writes a string as mysql2 escapes it (sql-escaper's escape, backslash escapes)", () => {
    fc.assert(
      fc.property(awkwardString, (value) => {
        expect(stringLiteral(value)).toBe(escape(value));
        // As sent: bytes (a lone surrogate is U+FFFD either way).
        expect(Buffer.from(literal(value))).toEqual(Buffer.from(mysql2(value)));
      }),
      { numRuns: 2000 },
    );
    expect(stringLiteral('it\'s a \\ \0 \x1a "test"\n')).toBe(`'it\\'s a \\\\ \\0 \\Z \\"test\\"\\n'`);
    expect(stringLiteral('')).toBe("''");
  });

  it('writes bytes as a hexadecimal literal, as mysql2 does for a Buffer or a Uint8Array', () => {
    fc.assert(
      fc.property(bytes, fc.nat(8), (array, offset) => {
        // A view into a larger buffer: only its own bytes are written.
        const backing = new Uint8Array(array.length + offset + 3);
        backing.set(array, offset);
        const view = backing.subarray(offset, offset + array.length);
        expect(literal(view)).toBe(mysql2(Buffer.from(array)));
        expect(literal(view)).toBe(mysql2(view));
        expect(literal(Buffer.from(array))).toBe(mysql2(Buffer.from(array)));
      }),
    );
    expect(literal(new Uint8Array(0))).toBe("select X''");
  });

  it('writes safe integers as mysql2 does and refuses every other value', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        expect(literal(value)).toBe(mysql2(value));
      }),
    );
    expect(literal(-0)).toBe('select 0');
    for (const value of [0.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 1e21]) {
      expect(() => literal(value)).toThrow(TypeError);
    }
    for (const value of [null, undefined, true, 1n, {}, [], new Date(0), { toSqlString: () => '1' }]) {
      expect(() => literal(value)).toThrow(TypeError);
    }
  });
});

const ctx = {
  dialect: { kind: 'mysql', lockingReads: true },
  now: () => 1_700_000_000_000,
} as unknown as RepositoryContext;

const appendInput: fc.Arbitrary<AppendInput> = fc.record({
  appId: awkwardString,
  conversation: fc.record({ type: fc.constantFrom('user' as const, 'group' as const), key: awkwardString }),
  senderUserId: awkwardString,
  senderDeviceId: awkwardString,
  targetId: awkwardString,
  clientMsgId: awkwardString,
  contentType: awkwardString,
  content: bytes,
  sentAt: fc.maxSafeNat(),
  inboxUserIds: fc.uniqueArray(awkwardString, { maxLength: 3 }),
});

describe('the MySQL append request as text', () => {
  it("equals mysql2's formatting of the same statements and parameters", () => {
    fc.assert(
      fc.property(
        fc.array(appendInput, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (inputs, returning) => {
          const plan = new AppendPlan(inputs);
          const users = counterStatements(ctx, plan.users, returning);
          const conversations = counterStatements(ctx, plan.conversations, returning);
          for (const counter of [...plan.users.sorted(), ...plan.conversations.sorted()]) {
            counter.high = counter.count;
            counter.low = counter.next = 1;
          }
          plan.takeSeqs();
          const statements = [
            { text: 'start transaction', parameters: [] },
            ...users.bumps,
            ...users.reads,
            ...conversations.bumps,
            ...conversations.reads,
            ...plan.messageStatements('mysql'),
            ...plan.entryStatements('mysql', (i) => i * 2),
            ...readStateStatements('mysql', inputs, plan.conversationSeqs),
            { text: 'commit', parameters: [] },
          ];
          const text = statements.map((s) => s.text).join('; ');
          const parameters = statements.flatMap((s) => s.parameters) as SqlValue[];
          // As sent: bytes (a lone surrogate is U+FFFD either way, already in our text, at mysql2's
          // encoding in its).
          expect(Buffer.from(writeStatements(statements))).toEqual(Buffer.from(format(text, parameters)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes every safe integer into a text as mysql2 does, about the 32-bit and 10^8 edges too', () => {
    const text = 'select ?';
    const edges = [
      0,
      9,
      10,
      2 ** 31 - 1,
      2 ** 31,
      1e8,
      1e8 - 1,
      1e8 + 1,
      1e15 + 7,
      1_764_720_000_000,
      4_000_000_000_000_001,
    ];
    for (const value of [
      ...edges,
      ...edges.map((v) => -v),
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ]) {
      expect(writeStatements([{ text, parameters: [value] }])).toBe(format(text, [value]));
    }
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer(), (big, small) => {
        const parameters = [big, small];
        expect(writeStatements([{ text: 'select ?, ?', parameters }])).toBe(
          format('select ?, ?', parameters),
        );
      }),
    );
  });

  it('refuses parameters that do not match the placeholders', () => {
    expect(() => writeStatements([{ text: 'select ?, ?', parameters: [1] }])).toThrow(/1 parameters for 2/);
    expect(() => writeStatements([{ text: 'select ?', parameters: [1, 2] }])).toThrow(/2 parameters for 1/);
  });

  it('writes texts past its buffer, one after the other, each as mysql2 formats it', () => {
    // Past the 64 KiB it starts with, and past the 1 MiB it keeps.
    const big = new Uint8Array(600_000).map((_, i) => i % 256);
    const long = "é'".repeat(30_000);
    for (const parameters of [
      [big, long, 1],
      ['a', 'b', -42],
      ['', '', 0],
      [long, big, Number.MAX_SAFE_INTEGER],
    ]) {
      const text = 'insert into t (a, b, c) values (?, ?, ?)';
      expect(Buffer.from(writeStatements([{ text, parameters }]))).toEqual(
        Buffer.from(format(text, parameters as SqlValue[])),
      );
    }
  });

  it('refuses a text where a placeholder could stand inside a literal, an identifier or a comment', () => {
    for (const text of [
      "select '?'",
      "select 'a', ?, 'b?'",
      'select "?"',
      'select `?`',
      'select ? -- ?',
      'select ? /* ? */',
      'select ? # ?',
      'select 1 -?',
      "select 'it\\'s', ?",
    ]) {
      expect(() => placeholderCount(text), text).toThrow();
    }
    expect(placeholderCount("insert into t (a, b) values (?, 'user', '', ?)")).toBe(2);
  });
});
