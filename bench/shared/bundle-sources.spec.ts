import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { buildApps, compiledEntry, workspaceRoot } from '@switchboard/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { BundleSources } from './bundle-sources.js';

describe('BundleSources', () => {
  beforeAll(() => buildApps(['route']), 60_000);

  it("maps a position in a service's bundle to the TypeScript line it came from", () => {
    const bundle = compiledEntry('route');
    const line = readFileSync(bundle, 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('async function startRoute('));
    const source = `${workspaceRoot()}/apps/route/src/server.ts`;
    const sourceLine = readFileSync(source, 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('export async function startRoute('));
    expect(line).toBeGreaterThan(0);
    // As a CPU profile names it: a file: URL, zero-based line and column.
    const sources = new BundleSources();
    expect(sources.original(pathToFileURL(bundle).href, line, 0)).toEqual({
      url: source,
      line: sourceLine + 1,
    });
    // The whole frame, as the CPU and allocation summaries take it.
    const frame = {
      functionName: 'startRoute',
      url: pathToFileURL(bundle).href,
      lineNumber: line,
      columnNumber: 0,
    };
    expect(sources.frame(frame)).toEqual({ ...frame, url: source, lineNumber: sourceLine });
  });

  it('leaves other scripts alone', () => {
    const sources = new BundleSources();
    expect(sources.original('node:internal/timers', 10, 0)).toBeUndefined();
    expect(sources.original(`${workspaceRoot()}/apps/route/src/server.ts`, 10, 0)).toBeUndefined();
    const frame = { functionName: 'f', url: 'node:net', lineNumber: 3 };
    expect(sources.frame(frame)).toBe(frame);
  });
});
