import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    signal: new AbortController().signal,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('switchboard CLI command line', () => {
  it('prints its version and the usage of every command', async () => {
    expect(await cli('--version')).toEqual({ code: 0, out: '0.1.0', err: '' });
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const command of ['token', 'app create', 'cluster', 'listen', 'send', 'chat', 'bench'])
      expect(help.out).toContain(`switchboard ${command}`);
    expect(await cli()).toMatchObject({ code: 2, out: '' });
  });

  it.each(['token', 'app', 'cluster', 'listen', 'send', 'chat', 'bench'])(
    'has --help for %s',
    async (command) => {
      const run = await cli(command, '--help');
      expect(run.code).toBe(0);
      expect(run.out).toMatch(new RegExp(`^usage:\\n  switchboard ${command}`));
    },
  );

  it('takes an option value that starts with a dash, as a generated secret can', async () => {
    // base64url secrets start with "-" one time in 64; `--secret -AbC...` must still mint a token.
    const secret = '-AlHMDejdgv30yXgXNkYsBdg17_XK0TVopEs2FRf_JA';
    const run = await cli('token', '--app', 'acme', '--user', '-alice', '--secret', secret);
    expect(run).toMatchObject({ code: 0, err: '' });
    const [, payload] = run.out.trim().split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({
      sub: '-alice',
      app_id: 'acme',
    });
    // A missing value is still an error, not the next option taken as the value.
    expect(await cli('token', '--secret', '--app', 'acme', '--user', 'a')).toMatchObject({ code: 2 });
  });

  it('answers a mistyped command or option with one line naming the closest valid spelling', async () => {
    expect(await cli('lisen', '--user', 'a')).toEqual({
      code: 2,
      out: '',
      err: 'switchboard: unknown command "lisen" (did you mean listen?)',
    });
    expect(await cli('token', '--app', 'demo', '--usr', 'a')).toEqual({
      code: 2,
      out: '',
      err: 'switchboard: unknown option --usr for "token" (did you mean --user?)',
    });
    expect((await cli('app', 'kye', 'list')).err).toBe(
      'switchboard: unknown command "app kye list" (did you mean key list?)',
    );
    expect((await cli('frobnicate')).err).toBe('switchboard: unknown command "frobnicate"');
    // A command group alone is not a mistake to guess at: it names what may follow.
    expect(await cli('app')).toEqual({
      code: 2,
      out: '',
      err:
        'switchboard: "app" needs one of: create, list, show, key create, key list, key revoke, ' +
        'secret rotate, webhook set, webhook clear, set',
    });
    expect((await cli('app', 'key')).err).toBe('switchboard: "app key" needs one of: create, list, revoke');
    expect((await cli('app', 'webhook')).err).toBe('switchboard: "app webhook" needs one of: set, clear');
    expect((await cli('send', '--user', 'a', '--to', 'b')).err).toBe(
      'switchboard: send needs the text: --text <text> or as the last argument',
    );
    expect((await cli('bench', 'fanuot')).err).toBe(
      'switchboard: unknown benchmark "fanuot" (did you mean fanout?)',
    );
  });

  it('lists the benchmarks', async () => {
    const run = await cli('bench', 'list');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^framing +tsx bench\/framing\.bench\.ts$/m);
    expect(run.out).toMatch(/^chaos +/m);
  });
});
