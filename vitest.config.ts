import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', '{core,bots,web,db}/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // PGlite takes ~670 MB for its first instance; two workers fit the 2-core machines.
    maxWorkers: 2,
  },
});
