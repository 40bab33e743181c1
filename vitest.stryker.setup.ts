/**
 * Setup file of vitest.stryker.config.ts: loads the whole library before each test file runs.
 *
 * Stryker's per-test coverage counts code run while no test is active (module loading) as
 * "static". A test that imports a module lazily (test/docs/format-doc.test.ts imports the CLI
 * demo inside the test) would otherwise make that module's load-time tables look covered by
 * that one test, and a mutant there is activated only after the module has loaded, so it
 * would "survive" without ever having been run. Loaded here, every module's load-time code is
 * static in every file, so stryker.config.mjs's ignoreStatic treats it alike everywhere.
 */
import './src/index.js';
