import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests (and the testing guide's example) import the package by name, as users do.
  resolve: { alias: { 'vtl2-persist': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    // Vector and property suites print their case counts; keep that output visible.
    silent: false,
    testTimeout: 60_000,
  },
});
