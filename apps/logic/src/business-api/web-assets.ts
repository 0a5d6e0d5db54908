import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One file of a web page, ready to send. */
export interface WebAsset {
  type: string;
  body: string;
}

/** A page under `web/<dir>/src`: `index.html`, a stylesheet and a script bundled from `main.ts`. */
export interface WebApp {
  dir: string;
  script: string;
  stylesheet: string;
}

const loaded = new Map<string, Promise<Map<string, WebAsset> | undefined>>();

/**
 * A page's files: the bundle `npm run build` wrote next to the app bundles (`dist/web/<dir>/`),
 * or, running from source (`npm start`, tests), `web/<dir>/src` with its TypeScript bundled now by
 * esbuild (a dev dependency, absent from production images, which carry the prebuilt files).
 * Undefined when neither exists: the routes answer 404.
 */
export function loadWebApp(page: WebApp): Promise<Map<string, WebAsset> | undefined> {
  // Once per process: tests and the embedded suite start several business APIs.
  let assets = loaded.get(page.dir);
  if (!assets) {
    assets = readWebApp(page);
    loaded.set(page.dir, assets);
  }
  return assets;
}

async function readWebApp(page: WebApp): Promise<Map<string, WebAsset> | undefined> {
  const built = fileURLToPath(new URL(`../../web/${page.dir}/`, import.meta.url));
  if (existsSync(built + page.script)) return readAssets(page, (name) => readFileSync(built + name, 'utf8'));
  const source = fileURLToPath(new URL(`../../../../web/${page.dir}/src/`, import.meta.url));
  if (!existsSync(`${source}main.ts`)) return undefined;
  const { build } = await import('esbuild');
  // The script with what it imports, the stylesheet with the theme it imports (web/theme.css).
  const bundle = async (entry: string) =>
    (
      await build({
        entryPoints: [source + entry],
        bundle: true,
        write: false,
        format: 'esm',
        target: 'es2022',
        minify: true,
        logLevel: 'silent',
      })
    ).outputFiles[0]!.text;
  const bundled = new Map([
    [page.script, await bundle('main.ts')],
    [page.stylesheet, await bundle(page.stylesheet)],
  ]);
  return readAssets(page, (name) => bundled.get(name) ?? readFileSync(source + name, 'utf8'));
}

function readAssets(page: WebApp, read: (name: string) => string): Map<string, WebAsset> {
  const types: Array<[string, string]> = [
    ['index.html', 'text/html; charset=utf-8'],
    [page.stylesheet, 'text/css; charset=utf-8'],
    [page.script, 'text/javascript; charset=utf-8'],
  ];
  return new Map(types.map(([name, type]) => [name, { type, body: read(name) }]));
}
