import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe('generated protobuf code', () => {
  const out = mkdtempSync(join(tmpdir(), 'sb-proto-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('passes buf lint', () => {
    expect(() =>
      execFileSync(join(root, 'node_modules/.bin/buf'), ['lint'], { cwd: root, stdio: 'pipe' }),
    ).not.toThrow();
  });

  const cases = [
    { dir: 'libs/proto/src/gen', args: ['generate', '-o', out] },
    {
      dir: 'libs/proto/src/gen-web',
      args: ['generate', '--template', 'buf.gen.web.yaml', '--path', 'proto/switchboard/client', '-o', out],
    },
  ];
  it.each(cases)(
    '$dir is what buf generate produces from proto/ today (run `npm run proto` if this fails)',
    ({ dir, args }) => {
      execFileSync(join(root, 'node_modules/.bin/buf'), args, { cwd: root, stdio: 'pipe' });
      const committed = join(root, dir);
      const fresh = join(out, dir);
      const freshFiles = listFiles(fresh)
        .map((f) => relative(fresh, f))
        .sort();
      const committedFiles = listFiles(committed)
        .map((f) => relative(committed, f))
        .sort();
      expect(committedFiles).toEqual(freshFiles);
      for (const file of freshFiles) {
        expect(readFileSync(join(committed, file), 'utf8'), file).toBe(
          readFileSync(join(fresh, file), 'utf8'),
        );
      }
    },
  );
});
