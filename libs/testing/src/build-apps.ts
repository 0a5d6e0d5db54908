import { spawn } from 'node:child_process';
import { workspaceRoot } from './service-process.js';

/**
 * Bundles each app as the Docker image does (`node scripts/build-app.mjs <app>`, esbuild, into
 * `dist/apps/<app>/main.js`), one after the other, passing every line the build prints to `onLine`.
 * Rejects with the build's output when one fails.
 */
export async function buildApps(apps: readonly string[], onLine?: (line: string) => void): Promise<void> {
  const root = workspaceRoot();
  for (const app of new Set(apps)) {
    const started = performance.now();
    onLine?.(`building ${app} ...`);
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['scripts/build-app.mjs', app], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const stream of [child.stdout, child.stderr]) {
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          for (const line of chunk.split('\n')) {
            if (!line) continue;
            output.push(line);
            onLine?.(line);
          }
        });
      }
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`building ${app} failed (exit ${code}):\n${output.join('\n')}`);
    onLine?.(`built ${app} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
