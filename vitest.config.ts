import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', '{core,bots,web,db}/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // What a test polls for (a browser page's answer, a mail through the queue) may take longer than a second on
    // a loaded 2-core machine; a poll that never succeeds still fails, only later.
    expect: { poll: { timeout: 10_000 } },
    // PGlite takes ~670 MB for its first instance; two workers fit the 2-core machines.
    maxWorkers: 2,
    // Every log line of the run is kept and scanned for personal data when it ends (test/support/log-scan.ts).
    globalSetup: ['test/support/log-scan-setup.ts'],
    setupFiles: ['test/support/log-capture.ts'],
  },
});
