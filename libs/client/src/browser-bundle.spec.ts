import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build, type Plugin } from 'esbuild';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Bundles the SDK's main entry as a browser app would. */
async function bundleForBrowser() {
  const nodeImports: string[] = [];
  const flagNodeImports: Plugin = {
    name: 'flag-node-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.path.startsWith('node:') || NODE_BUILTINS.has(args.path.split('/')[0]!))
          nodeImports.push(`${args.path} (from ${args.importer})`);
        return undefined;
      });
    },
  };
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'SwitchboardSDK',
    write: false,
    logLevel: 'silent',
    plugins: [flagNodeImports],
  });
  return { nodeImports, code: result.outputFiles[0]!.text };
}

describe('@switchboard/client browser build', () => {
  it('bundles for the browser without any Node module, and runs where there is no Buffer or process', async () => {
    const { nodeImports, code } = await bundleForBrowser();
    expect(nodeImports).toEqual([]);

    // A context with only what browsers have: no Buffer, no process, no require.
    const sandbox = {
      TextEncoder,
      TextDecoder,
      atob,
      btoa,
      crypto,
      console,
      structuredClone,
      setTimeout,
      clearTimeout,
    };
    const result = runInNewContext(
      `${code};
       const sb = SwitchboardSDK;
       const m = { messageId: 1, seq: 2, conversation: { type: sb.ConversationType.CONVERSATION_TYPE_USER, id: 'bob' },
                   sender: { userId: 'alice', deviceId: 'd1' }, contentType: 'text',
                   content: new TextEncoder().encode('hi'), sentAt: 3, conversationSeq: 2, clientMsgId: sb.newClientMsgId() };
       ({ key: sb.conversationKey(m.conversation), typeofBuffer: typeof Buffer, id: m.clientMsgId,
          closed: sb.closeActionFor(sb.ErrorCode.ERROR_CODE_TOKEN_EXPIRED) });`,
      sandbox,
    ) as { key: string; typeofBuffer: string; id: string; closed: string };
    expect(result.typeofBuffer).toBe('undefined');
    expect(result.key).toBe('user:bob');
    expect(result.id).toMatch(/^[0-9a-f]{32}$/);
    expect(result.closed).toBe('reauthenticate');
  });

  it("type-checks for a browser app: DOM lib, no Node types (the web chat's tsconfig)", () => {
    // A browser app's tsc sees every module the entry reaches: one of the Node-generated protocol
    // files (bytes as Buffer) among them fails it, even though esbuild would tree-shake it away.
    const program = ts.createProgram([join(import.meta.dirname, 'index.ts')], {
      ...ts.getDefaultCompilerOptions(),
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.fileName.replace(/^.*\/libs\//, 'libs/')}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
    expect(errors).toEqual([]);
  }, 60_000);
});
