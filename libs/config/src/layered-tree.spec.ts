import { describe, expect, it } from 'vitest';
import { LayeredTree } from './layered-tree.js';

describe('LayeredTree', () => {
  it('merges mappings key by key and replaces scalars and lists', () => {
    const tree = new LayeredTree();
    tree.merge({ a: { b: 1, c: [1, 2] }, d: 'x' }, 'one');
    tree.merge({ a: { c: [3] }, e: true }, 'two');
    expect(tree.root).toEqual({ a: { b: 1, c: [3] }, d: 'x', e: true });
  });

  it('remembers which layer set each value', () => {
    const tree = new LayeredTree();
    tree.merge({ a: { b: 1, c: 2 } }, 'one');
    tree.set(['a', 'c'], 3, 'two');
    expect(tree.sourceOf(['a', 'b'])).toBe('one');
    expect(tree.sourceOf(['a', 'c'])).toBe('two');
    expect(tree.sourceOf(['missing'])).toBeUndefined();
  });

  it('credits a replaced subtree to the layer that replaced it', () => {
    const tree = new LayeredTree();
    tree.merge({ a: { b: { c: 1 } } }, 'one');
    tree.set(['a', 'b'], { c: 2 }, 'two');
    expect(tree.sourceOf(['a', 'b', 'c'])).toBe('two');
    tree.set(['a', 'b', 'c', 'd'], 4, 'three');
    expect(tree.root).toEqual({ a: { b: { c: { d: 4 } } } });
    expect(tree.sourceOf(['a', 'b', 'c'])).toBe('three');
  });

  it('copies what it is given, so later changes to a layer do not leak in', () => {
    const layer = { a: { list: ['x'] } };
    const tree = new LayeredTree();
    tree.merge(layer, 'one');
    layer.a.list.push('y');
    expect(tree.root).toEqual({ a: { list: ['x'] } });
  });
});
