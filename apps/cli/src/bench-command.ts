import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from './io.js';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';

export const BENCH_USAGE = `  switchboard bench [list]
  switchboard bench <name> [-- <the benchmark's own flags>]
      Lists the benchmarks (the bench:* npm scripts of a checkout; bench/README.md says what each
      measures), or runs one through npm with its progress lines, each prefixed by the time since
      the start.`;

/** The checkout's root: the nearest folder up with a package.json naming workspaces. */
function checkoutRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && 'workspaces' in (JSON.parse(readFileSync(file, 'utf8')) as object)) return dir;
    if (dirname(dir) === dir) throw new Error('bench runs from a checkout of the repository');
  }
}

/** The benchmarks, by name, with the command each npm script runs. */
export function benchmarks(root = checkoutRoot()): Record<string, string> {
  const scripts = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  return Object.fromEntries(
    Object.entries(scripts)
      .filter(([name]) => name.startsWith('bench:'))
      .map(([name, command]) => [name.slice('bench:'.length), command]),
  );
}

export async function runBench(words: string[], io: CliIo): Promise<number> {
  const root = checkoutRoot();
  const all = benchmarks(root);
  const [name, ...args] = words;
  if (name === undefined || name === 'list') {
    for (const [bench, command] of Object.entries(all)) io.out(`${bench.padEnd(14)} ${command}`);
    return 0;
  }
  if (!(name in all))
    throw new UsageError(`unknown benchmark "${name}"${didYouMean(name, Object.keys(all))}`);
  const started = Date.now();
  const stamp = () => {
    const s = Math.floor((Date.now() - started) / 1000);
    return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]`;
  };
  io.err(`${stamp()} npm run bench:${name}${args.length ? ` -- ${args.join(' ')}` : ''}`);
  const child = spawn('npm', ['run', '-s', `bench:${name}`, ...(args.length ? ['--', ...args] : [])], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = (write: (text: string) => void) => {
    let rest = '';
    return (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) write(`${stamp()} ${line}`);
    };
  };
  child.stdout.on('data', lines(io.out));
  child.stderr.on('data', lines(io.err));
  const stop = () => child.kill('SIGINT');
  io.signal.addEventListener('abort', stop, { once: true });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  io.signal.removeEventListener('abort', stop);
  io.err(`${stamp()} bench:${name} exited with ${code}`);
  return code;
}
