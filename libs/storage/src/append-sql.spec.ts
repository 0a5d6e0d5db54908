import { describe, expect, it } from 'vitest';
import { cachedSql, insertRows, KeyGroups, tupleKey } from './append-sql.js';

describe('append SQL texts', () => {
  it('groups keys by prefix and lists the groups by size, so the text depends on the sizes only', () => {
    const keys = new KeyGroups(2);
    keys.add('m1', 'app', 'alice');
    keys.add('m2', 'app', 'bob');
    keys.add('m3', 'app', 'alice');
    expect(keys.shape).toBe('1x1 2x1');
    expect(keys.sql(['a', 's'], 'c')).toBe(
      '(a = ? and s = ? and c in (?)) or (a = ? and s = ? and c in (?, ?))',
    );
    expect(keys.parametersInto([])).toEqual(['app', 'bob', 'm2', 'app', 'alice', 'm1', 'm3']);

    const other = new KeyGroups(2);
    other.add('x', 'app', 'carol');
    other.add('y', 'app', 'carol');
    other.add('z', 'app', 'dave');
    expect(other.shape).toBe(keys.shape);
    expect(other.sql(['a', 's'], 'c')).toBe(keys.sql(['a', 's'], 'c'));
  });

  it('keeps prefixes apart whatever characters the ids hold', () => {
    const keys = new KeyGroups(2);
    keys.add('m1', 'a:b', 'c');
    keys.add('m2', 'a', 'b:c');
    expect(keys.shape).toBe('1x2');
    expect(tupleKey('a:b', 'c', '')).not.toBe(tupleKey('a', 'b:c', ''));
    expect(tupleKey('1:a', '', '')).not.toBe(tupleKey('1', 'a', ''));
  });

  it('builds a multi-row INSERT with literals spliced in, once per shape and dialect', () => {
    expect(insertRows('t', ['a', 'b', 'c'], ['?', "''", '?'], 2)).toBe(
      "insert into t (a, b, c) values (?, '', ?), (?, '', ?)",
    );
    let built = 0;
    const build = () => `text ${++built}`;
    expect(cachedSql('sqlite', 'spec shape', build)).toBe('text 1');
    expect(cachedSql('sqlite', 'spec shape', build)).toBe('text 1');
    expect(cachedSql('mysql', 'spec shape', build)).toBe('text 2');
  });
});
