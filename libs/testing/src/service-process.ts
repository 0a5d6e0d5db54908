import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './wait-for.js';

const root = join(import.meta.dirname, '../../..');

/** One Switchboard app running as its own Node process (through tsx, from source). */
export class ServiceProcess {
  readonly output: string[] = [];
  private exit: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.output.push(line);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  /** Starts `apps/<app>/src/main.ts` with the given environment (added to this process's) and arguments. */
  static start(app: string, env: Record<string, string>, args: string[] = []): ServiceProcess {
    // `node --import tsx` rather than the tsx CLI: the CLI forks a second process, so a SIGKILL
    // sent to it would leave the real service running.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, `apps/${app}/src/main.ts`), ...args],
      {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new ServiceProcess(app, child);
  }

  /** Waits until a line of output matches (JSON log lines included). */
  async waitForLine(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return waitFor(
      `${this.name} to print ${pattern}`,
      () => {
        if (this.child.exitCode !== null) {
          throw new Error(
            `${this.name} exited with ${this.child.exitCode}:\n${this.output.slice(-20).join('\n')}`,
          );
        }
        return this.output.find((l) => pattern.test(l));
      },
      timeoutMs,
    );
  }

  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.output) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    return out;
  }

  /** Resolves with the exit code when the process ends by itself. */
  exited(): Promise<number | null> {
    return this.exit;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exit;
  }
}
