import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The Nx module-boundary rule reads the cached project graph; build it first, as `npm run lint` does.
const root = join(import.meta.dirname, '..');

describe('module boundaries (Nx tags, enforced by ESLint)', () => {
  let eslint: ESLint;
  beforeAll(() => {
    execFileSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], {
      cwd: root,
      stdio: 'pipe',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    });
    eslint = new ESLint({ cwd: root });
  }, 120_000);

  async function boundaryErrors(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: join(root, file) });
    return (result?.messages ?? [])
      .filter((m) => m.ruleId === '@nx/enforce-module-boundaries')
      .map((m) => m.message);
  }

  it('rejects a library importing an app', async () => {
    // From a library no app depends on, so that a cycle is not what gets reported first.
    const errors = await boundaryErrors(
      'libs/client/src/__boundary_probe.ts',
      "import { startLogic } from '@switchboard/logic/server';\nexport const x = startLogic;\n",
    );
    expect(errors.join('\n')).toMatch(/apps are forbidden|cannot depend/);
  });

  it('rejects libs/gate importing a store', async () => {
    for (const store of ['@switchboard/storage', '@switchboard/route-store']) {
      const errors = await boundaryErrors(
        'libs/gate/src/__boundary_probe.ts',
        `import * as store from '${store}';\nexport const x = store;\n`,
      );
      expect(errors.length, store).toBeGreaterThan(0);
    }
  });

  it('allows libs/gate to import the protocol library', async () => {
    const errors = await boundaryErrors(
      'libs/gate/src/__boundary_probe.ts',
      "import * as protocol from '@switchboard/protocol';\nexport const x = protocol;\n",
    );
    expect(errors).toEqual([]);
  });

  it('rejects an app importing another app, except the standalone host', async () => {
    const fromRoute = await boundaryErrors(
      'apps/route/src/__boundary_probe.ts',
      "import { startLogic } from '@switchboard/logic/server';\nexport const x = startLogic;\n",
    );
    expect(fromRoute.length).toBeGreaterThan(0);
    const fromStandalone = await boundaryErrors(
      'apps/standalone/src/__boundary_probe.ts',
      "import { startLogic } from '@switchboard/logic/server';\nexport const x = startLogic;\n",
    );
    expect(fromStandalone).toEqual([]);
  });
});
