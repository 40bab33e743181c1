/**
 * The project's vitest config as `npm run coverage:cli` runs it, so that the in-process half of
 * the e2e tests is counted alongside their spawned CLI children:
 * - Node's own module loader with tsx (`viteModuleRunner: false` + `--import tsx`) instead of
 *   Vite's module runner, whose evaluated modules carry no source map Node records, so their
 *   V8 coverage could not be mapped back to the .ts lines; tsx's maps are recorded, as in the
 *   spawned `node --import tsx src/cli/bin.ts` children;
 * - flush-coverage.ts after every test file, because vitest's workers never exit normally.
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      setupFiles: ['test/coverage/flush-coverage.ts'],
      execArgv: ['--import', 'tsx'],
      // nodeLoader only serves vi.mock / in-source tests (unused here) and needs Node >= 22.15.
      experimental: { viteModuleRunner: false, nodeLoader: false },
    },
  }),
);
