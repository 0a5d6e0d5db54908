// Bundles one app into dist/apps/<name>/main.js with esbuild. Workspace libraries
// are bundled in (they are TypeScript source); npm packages stay external and are
// loaded from node_modules at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const name = process.argv[2];
if (!name) {
  console.error('usage: node scripts/build-app.mjs <app>');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// esbuild too: logic imports it only to bundle the admin console when running from source.
const external = [...Object.keys(pkg.dependencies ?? {}), 'esbuild'];

/**
 * Builds like esbuild's `build`, but writes each output file under a temporary name and renames it
 * into place: a process starting from dist (a benchmark, a test) while another build runs reads
 * the old file or the new one, never half of one.
 */
async function buildAtomically(options) {
  const { outputFiles } = await build({ ...options, write: false });
  for (const file of outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
}

await buildAtomically({
  entryPoints: [`apps/${name}/src/main.ts`],
  outfile: `dist/apps/${name}/main.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external,
  banner: {
    // Some bundled CommonJS helpers call require(); give ESM output one.
    js: "import { createRequire as __sbCreateRequire } from 'node:module'; const require = __sbCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
console.log(`built dist/apps/${name}/main.js`);

// The admin console (web/admin-console) and the web chat (web/chat) go with the apps that serve
// them, prebuilt: production images carry no esbuild to bundle them at start-up
// (apps/logic/src/business-api/web-assets.ts).
if (name === 'logic' || name === 'standalone') {
  for (const [dir, script, stylesheet] of [
    ['admin-console', 'console.js', 'console.css'],
    ['chat', 'chat.js', 'chat.css'],
  ]) {
    const out = `dist/web/${dir}`;
    // The script and the stylesheet, each with what it imports (the stylesheet: web/theme.css).
    for (const [entry, file] of [
      ['main.ts', script],
      [stylesheet, stylesheet],
    ]) {
      await buildAtomically({
        entryPoints: [`web/${dir}/src/${entry}`],
        outfile: `${out}/${file}`,
        bundle: true,
        format: 'esm',
        target: 'es2022',
        minify: true,
        logLevel: 'warning',
      });
    }
    copyFileSync(`web/${dir}/src/index.html`, `${out}/index.html`);
    console.log(`built ${out}/`);
  }
}
