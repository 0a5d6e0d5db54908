import { compiledEntry } from '@switchboard/testing';
import { describe, expect, it } from 'vitest';
import { commandLineOf, runClusterCommand } from './cluster-command-run.js';

/** `npm run cluster` as a person runs it: the smallest cluster, stopped with SIGINT (Ctrl-C). */
describe('switchboard cluster (the command)', () => {
  it('prints where to connect once every service is ready, and stops them all on SIGINT', async () => {
    await runClusterCommand([], (services) => {
      // From source, through tsx.
      for (const s of services) expect(commandLineOf(s.pid), s.name).toContain(`apps/${s.app}/src/main.ts`);
    });
  }, 120_000);

  it('with --compiled builds the bundles and runs every service from dist/apps with plain node', async () => {
    await runClusterCommand(['--compiled'], (services, output) => {
      expect(output).toMatch(/\[build\] built route in/);
      for (const s of services)
        expect(commandLineOf(s.pid), s.name).toBe(`${process.execPath} ${compiledEntry(s.app)}`);
    });
  }, 120_000);
});
