import { defineConfig } from 'vitest/config';

// Tests import `@mtakit/*` through the `@mtakit/source` export condition, which points at each
// package's TypeScript source: no build is needed before `npm test`. Vitest also hands these to
// the Node workers as --conditions, so nothing that would make CommonJS dependencies resolve to
// their ESM builds (like "import") may be listed here.
const conditions = ['@mtakit/source', 'node'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/tests/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
