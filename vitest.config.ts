import { defineConfig } from 'vitest/config';

// One collector (and so one embedded ClickHouse data directory) per test file: libchdb binds one
// data directory per process, so test files run in separate forked processes.
export default defineConfig({
  // Workspace packages resolve to their TypeScript sources through a condition of our own (a generic
  // name such as "source" is also used by third-party packages, which then resolve to their .ts files).
  resolve: { conditions: ['mcpscope-source', 'node', 'development|production'] },
  ssr: { resolve: { conditions: ['mcpscope-source', 'node', 'development|production'] } },
  test: {
    include: [
      'sdk/src/**/*.test.ts',
      'collector/src/**/*.test.ts',
      'dashboard/src/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    reporters: ['default', './test/helpers/summaryReporter.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
