import type { z } from 'zod';
import type { LayeredTree } from './layered-tree.js';
import { formatKeyPath, isPlainObject, valueAt } from './key-path.js';
import { maskUriPassword, SECRET_KEY } from './redact-config.js';

/**
 * Turns validation issues into operator-facing lines:
 * `config: gate.ws.port: expected number between 0 and 65535, got "abc" (from SWITCHBOARD_GATE__WS__PORT)`.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  tree: LayeredTree,
  schema: z.ZodType,
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const hint = closestKey(key, knownKeysAt(schema, issue.path));
        lines.push(
          `config: ${formatKeyPath(path)}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}${from(tree, path)}`,
        );
      }
      continue;
    }
    const last = issue.path.at(-1);
    const value = valueAt(tree.root, issue.path);
    // A rejected secret is still someone's secret: say how long it is, never what it is.
    const got =
      typeof last === 'string' && SECRET_KEY.test(last) && typeof value === 'string' && value !== ''
        ? `a value of ${value.length} characters`
        : describeValue(value);
    lines.push(`config: ${formatKeyPath(issue.path)}: ${issue.message}, got ${got}${from(tree, issue.path)}`);
  }
  return lines;
}

function from(tree: LayeredTree, path: readonly PropertyKey[]): string {
  const source = tree.sourceOf(path);
  return source === undefined ? '' : ` (from ${source})`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the key is missing)';
  const text = maskUriPassword(JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// Walks zod object shapes to list the keys a section accepts, for "did you mean" hints.
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  for (const segment of path) {
    const shape = shapeOf(node);
    if (!shape || typeof segment !== 'string') return [];
    node = shape[segment];
  }
  return Object.keys(shapeOf(node) ?? {});
}

function shapeOf(node: unknown): Record<string, unknown> | undefined {
  const shape = (node as { shape?: unknown } | undefined)?.shape;
  return isPlainObject(shape) ? shape : undefined;
}

function closestKey(typo: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(typo.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(typo.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
