import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the business HTTP API serves the admin console (static files; data comes from `/v1/`). */
export const ADMIN_PATH = '/admin/';

/** One file of the console, ready to send. */
export interface AdminAsset {
  type: string;
  body: string;
}

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
};

/**
 * The console's pages talk to this origin only and run no inline script: what a stolen page or an
 * id crafted as markup could do is bounded even if some text ever reached the DOM as HTML.
 */
export const ADMIN_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The console's files: the bundle `npm run build` wrote next to the app bundles
 * (`dist/web/admin-console/`), or, running from source (`npm start`, tests), `web/admin-console/src`
 * with its TypeScript bundled now by esbuild (a dev dependency, absent from production images,
 * which carry the prebuilt files). Undefined when neither exists: the routes answer 404.
 */
export function loadAdminConsole(): Promise<Map<string, AdminAsset> | undefined> {
  // Once per process: tests and the embedded suite start several business APIs.
  loaded ??= readAdminConsole();
  return loaded;
}

let loaded: Promise<Map<string, AdminAsset> | undefined> | undefined;

async function readAdminConsole(): Promise<Map<string, AdminAsset> | undefined> {
  const built = fileURLToPath(new URL('../../web/admin-console/', import.meta.url));
  if (existsSync(`${built}console.js`)) return readAssets((name) => readFileSync(built + name, 'utf8'));
  const source = fileURLToPath(new URL('../../../../web/admin-console/src/', import.meta.url));
  if (!existsSync(`${source}main.ts`)) return undefined;
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [`${source}main.ts`],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
  });
  const js = out.outputFiles[0]!.text;
  return readAssets((name) => (name === 'console.js' ? js : readFileSync(source + name, 'utf8')));
}

function readAssets(read: (name: string) => string): Map<string, AdminAsset> {
  return new Map(Object.entries(TYPES).map(([name, type]) => [name, { type, body: read(name) }]));
}
