import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Vector and property suites print their case counts; keep that output visible.
    silent: false,
    testTimeout: 60_000,
  },
});
