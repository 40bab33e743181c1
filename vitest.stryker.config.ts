/**
 * The vitest config Stryker runs (`npm run mutate`): the normal one minus every test that
 * spawns a process (the CLI through tsx, bash for the CLI doc, `npm pack` for the package,
 * Chromium for the explorer page).
 * A child process loads the sandbox's un-instrumented modules through its own loader, so it
 * would see no mutant and only slow each run; its behaviour is covered in-process elsewhere.
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        '**/node_modules/**',
        // Spawn the CLI (test/support/cli.ts runCli) or npm.
        'test/cli/**',
        'test/package/**',
        'test/fuzz/cli.test.ts',
        // Drives Chromium on pages the built CLI wrote.
        'test/browser/**',
        // Runs each documented shell command through bash.
        'test/docs/cli-doc.test.ts',
      ],
      setupFiles: ['./vitest.stryker.setup.ts'],
    },
  }),
);
