// @ts-check
/**
 * Mutation testing (`npm run mutate`; one file: `npm run mutate -- --mutate src/format/header.ts`).
 * Not part of `npm test`: a full run takes tens of minutes on two cores. See the "Mutation testing"
 * section of docs/robustness.md for the measured scores and the equivalent mutants that survive.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  // Each mutant runs only the tests that executed its code in the dry run.
  coverageAnalysis: 'perTest',
  mutate: [
    'src/format/**/*.ts',
    '!src/format/index.ts',
    '!src/format/proto/**',
    'src/memory/range-algebra.ts',
    'src/memory/range-algebra-error.ts',
    'src/memory/range-walk.ts',
    'src/boot/persisted.ts',
    'src/boot/restore-checks.ts',
  ],
  // The sandbox needs the sources, tests, vectors and docs the tests read; not build output.
  ignorePatterns: ['dist', 'docs/api', 'reports', 'coverage'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  // The per-test listing runs to thousands of lines; the survivors and the table are what matter.
  clearTextReporter: { reportTests: false },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Vitest does not type-check, and the default `// @ts-nocheck` insertion would also rewrite
  // test files (test/docs/testing-guide.example.test.ts is compared verbatim with its doc).
  disableTypeChecks: false,
  // Several suites call the codec and the boot shim while vitest collects them (module-level
  // fixtures), so most mutants are also covered "statically". Without this each of those would
  // run the whole suite (about 10 hours here); with it they run only the tests that cover them
  // at runtime, and only the mutants reached solely while modules load (constant tables) are
  // left out as Ignored. docs/robustness.md counts those per file.
  ignoreStatic: true,
  concurrency: 2,
  // Generous: the first run in each worker transforms the TypeScript sources.
  timeoutMS: 10_000,
  thresholds: { high: 95, low: 90, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
