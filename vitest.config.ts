import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'apps/*/src/**/*.spec.ts',
      'libs/*/src/**/*.spec.ts',
      'tests/**/*.spec.ts',
      'bench/**/*.spec.ts',
    ],
    // Integration and end-to-end specs start real servers; give them room on a busy 2-core box.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
