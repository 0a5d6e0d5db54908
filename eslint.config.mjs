// ESLint flat config. Module boundaries are enforced with Nx tags:
//   type:app may import type:lib; a type:lib never imports a type:app.
//   scope:* rules keep each library to the subset of the workspace it needs,
//   e.g. libs/gate knows nothing of stores (route-store, storage).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

const base = ['scope:proto', 'scope:protocol', 'scope:config', 'scope:log', 'scope:rpc', 'scope:metrics'];

const boundaries = {
  enforceBuildableLibDependency: false,
  allow: [],
  depConstraints: [
    { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app'] },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'scope:proto', onlyDependOnLibsWithTags: [] },
    // rpc maps the catalog's SwitchboardError (libs/protocol) to a gRPC status at the edge.
    { sourceTag: 'scope:rpc', onlyDependOnLibsWithTags: ['scope:proto', 'scope:protocol'] },
    { sourceTag: 'scope:metrics', onlyDependOnLibsWithTags: [] },
    { sourceTag: 'scope:protocol', onlyDependOnLibsWithTags: ['scope:proto'] },
    { sourceTag: 'scope:config', onlyDependOnLibsWithTags: [] },
    { sourceTag: 'scope:log', onlyDependOnLibsWithTags: [] },
    // The gate library speaks to route and logic only through gRPC clients; it never touches a store.
    { sourceTag: 'scope:gate', onlyDependOnLibsWithTags: [...base] },
    // Lua scripts run by SHA1 (EVALSHA, NOSCRIPT fallback), shared by the Redis-backed libraries.
    { sourceTag: 'scope:redis-script', onlyDependOnLibsWithTags: [] },
    { sourceTag: 'scope:route-store', onlyDependOnLibsWithTags: [...base, 'scope:redis-script'] },
    { sourceTag: 'scope:storage', onlyDependOnLibsWithTags: [...base] },
    // Offline push knows only its queue and the app's webhook; logic feeds it events.
    { sourceTag: 'scope:offline-push', onlyDependOnLibsWithTags: [...base, 'scope:redis-script'] },
    { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:proto', 'scope:protocol'] },
    { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'scope:runtime', onlyDependOnLibsWithTags: ['scope:config', 'scope:log'] },
    {
      sourceTag: 'scope:gate-app',
      onlyDependOnLibsWithTags: [...base, 'scope:gate', 'scope:runtime'],
    },
    {
      sourceTag: 'scope:route',
      onlyDependOnLibsWithTags: [...base, 'scope:route-store', 'scope:runtime'],
    },
    {
      sourceTag: 'scope:logic',
      onlyDependOnLibsWithTags: [...base, 'scope:storage', 'scope:offline-push', 'scope:runtime'],
    },
    { sourceTag: 'scope:standalone', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['type:lib'] },
  ],
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'libs/proto/src/gen/**',
      'libs/proto/src/gen-web/**',
      'data/**',
      'coverage/**',
      '.nx/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Specs may use the shared test helpers (real processes, clusters, ports) from any project.
    files: ['**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', { ...boundaries, allow: ['@switchboard/testing'] }] },
  },
  {
    // The standalone app is the one composition host of the whole suite: it runs the other apps'
    // exported start functions (`@switchboard/<app>/server`) in one process. Nx forbids importing
    // apps outright, so the boundary rule is off here only; every other app and library keeps it.
    files: ['apps/standalone/**'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Command-line tools and benchmarks talk to a person on the terminal.
    files: ['apps/cli/**', 'bench/**', 'scripts/**', 'apps/standalone/src/banner.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
