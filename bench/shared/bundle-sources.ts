// Positions in a service's bundle (dist/apps/<app>/main.js, run by the benchmarks' --compiled)
// mapped back to the TypeScript they came from, through the source map esbuild writes beside it:
// a CPU profile of a compiled service then names libs/storage/src/... rather than one big main.js.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUNDLE = /\/dist\/apps\/[^/]+\/main\.js$/;

/** A frame of a V8 CPU or heap profile (`callFrame`): zero-based line and column. */
export interface ProfileFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

export class BundleSources {
  /** By bundle path; undefined where the bundle has no map. */
  private readonly maps = new Map<string, SourceMap | undefined>();

  /**
   * Where a frame at `url` (a file: URL or path), zero-based `line` and `column`, came from: the
   * source file's absolute path and its one-based line. Undefined for a script that is not a
   * bundle, or a bundle without its map.
   */
  original(url: string, line: number, column: number): { url: string; line: number } | undefined {
    const file = url.startsWith('file:') ? fileURLToPath(url) : url;
    if (!BUNDLE.test(file)) return undefined;
    let map = this.maps.get(file);
    if (!this.maps.has(file)) {
      const mapFile = `${file}.map`;
      map = existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : undefined;
      this.maps.set(file, map);
    }
    const entry = map?.findEntry(line, column) as
      { originalSource?: string; originalLine?: number } | undefined;
    if (entry?.originalSource === undefined || entry.originalLine === undefined) return undefined;
    return { url: resolve(dirname(file), entry.originalSource), line: entry.originalLine + 1 };
  }

  /** The frame as its source has it: a bundle's with the file and line its map names, others unchanged. */
  frame<F extends ProfileFrame>(f: F): F {
    const original = this.original(f.url, f.lineNumber, f.columnNumber ?? 0);
    return original ? { ...f, url: original.url, lineNumber: original.line - 1 } : f;
  }
}
