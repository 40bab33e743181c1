/**
 * Setup file for `npm run coverage:cli` (vitest.config.ts beside it): writes the worker's own V8
 * coverage after each test file. Vitest ends its workers without a normal exit, and Node writes
 * NODE_V8_COVERAGE only at a normal exit, so without this the in-process half of an e2e test
 * file (the parts that import src/cli directly) would never reach the report. `takeCoverage`
 * resets the counters, so a worker that runs several files is not counted twice; it is a no-op
 * when NODE_V8_COVERAGE is unset.
 */
import { takeCoverage } from 'node:v8';
import { afterAll } from 'vitest';

afterAll(() => {
  takeCoverage();
});
