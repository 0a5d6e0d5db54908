// Where a profiled frame belongs, for the CPU and allocation profile summaries: an npm package, a
// Node internal area, one of Switchboard's apps or libs, or V8's own pseudo-frames.
import { BundleSources, type ProfileFrame } from './bundle-sources.js';

const bundles = new BundleSources();

/**
 * A frame as the summaries count it: a compiled service's (dist/apps/<app>/main.js) mapped back to
 * the TypeScript it came from through the bundle's source map, so that it falls in its app or lib.
 */
export function sourceFrame<F extends ProfileFrame>(f: F): F {
  return bundles.frame(f);
}

/** The area a frame's time or bytes are counted under. */
export function areaOf(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)' || fn === '(program)') return fn;
  if (!url) return '(native/V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:internal/http2') || url.includes('internal/http2')) return 'node http2';
  if (url.startsWith('node:'))
    return `node ${url.slice(5).split('/')[url.startsWith('node:internal') ? 1 : 0]}`;
  const own = /\/(apps|libs)\/([^/]+)\//.exec(url);
  if (own) return `switchboard ${own[1]}/${own[2]}`;
  return url;
}

/** `name node_modules/pkg/file.js:12`: a frame as the summaries print it. */
export function frameKey(f: { functionName: string; url: string; lineNumber: number }): string {
  const where = f.url ? `${f.url.replace(/^.*\/(node_modules|apps|libs)\//, '$1/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
}

/** True for a frame of Switchboard's own code (apps/ or libs/, not a package). */
export function isOwnFrame(url: string): boolean {
  return /\/(apps|libs)\/[^/]+\//.test(url) && !url.includes('node_modules');
}
