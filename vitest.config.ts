import { defineConfig } from 'vitest/config';

// One collector (and so one embedded ClickHouse data directory) per test file: libchdb binds one
// data directory per process, so test files run in separate forked processes.
export default defineConfig({
  resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] } },
  test: {
    include: ['sdk/src/**/*.test.ts', 'collector/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
