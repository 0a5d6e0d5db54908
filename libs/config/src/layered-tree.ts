import { formatKeyPath, isPlainObject, type KeyPath } from './key-path.js';

/**
 * A configuration tree built by merging layers in order, which remembers which layer set each
 * value so that an error can say "(from SWITCHBOARD_GATE__WS__PORT)" or "(from config/prod.yaml)".
 *
 * Merge rule: mappings merge key by key; anything else (scalars, arrays) replaces what was there.
 */
export class LayeredTree {
  readonly root: Record<string, unknown> = {};
  // Formatted key path -> label of the layer that set it. A replaced subtree drops the labels
  // beneath it, so the nearest recorded ancestor is always the right source.
  private readonly sources = new Map<string, string>();

  /** Merges `layer` (a mapping) on top of what is there, labelling what it sets with `source`. */
  merge(layer: Record<string, unknown>, source: string, at: KeyPath = []): void {
    this.mergeInto(this.root, layer, source, at);
  }

  /** Replaces the value at `path` (whose parents must exist as mappings). */
  set(path: KeyPath, value: unknown, source: string): void {
    const parentPath = path.slice(0, -1);
    const key = path[path.length - 1];
    if (key === undefined) return;
    let node: Record<string, unknown> = this.root;
    for (let depth = 0; depth < parentPath.length; depth++) {
      const segment = String(parentPath[depth]);
      if (!isPlainObject(node[segment])) {
        this.replace(node, segment, {}, source, parentPath.slice(0, depth + 1));
      }
      node = node[segment] as Record<string, unknown>;
    }
    this.replace(node, String(key), value, source, path);
  }

  /** Label of the layer that set the value at `path` (or the nearest ancestor it set wholesale). */
  sourceOf(path: readonly PropertyKey[]): string | undefined {
    for (let length = path.length; length >= 0; length--) {
      const source = this.sources.get(formatKeyPath(path.slice(0, length)));
      if (source !== undefined) return source;
    }
    return undefined;
  }

  private mergeInto(
    target: Record<string, unknown>,
    layer: Record<string, unknown>,
    source: string,
    at: KeyPath,
  ): void {
    for (const [key, value] of Object.entries(layer)) {
      const path = [...at, key];
      const existing = target[key];
      if (isPlainObject(value) && isPlainObject(existing)) {
        this.mergeInto(existing, value, source, path);
      } else {
        this.replace(target, key, value, source, path);
      }
    }
  }

  private replace(
    target: Record<string, unknown>,
    key: string,
    value: unknown,
    source: string,
    path: KeyPath,
  ): void {
    target[key] = structuredClone(value);
    const formatted = formatKeyPath(path);
    for (const recorded of [...this.sources.keys()]) {
      if (recorded.startsWith(`${formatted}.`) || recorded.startsWith(`${formatted}[`)) {
        this.sources.delete(recorded);
      }
    }
    this.sources.set(formatted, source);
  }
}
