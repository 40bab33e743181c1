/**
 * The package as a test author gets it: `npm pack` (which rebuilds dist/ through `prepack`), the
 * tarball installed into an empty project, and the library and the `vtl2-persist` bin used from
 * plain Node, with no tsx and no TypeScript. Each result is compared with the same call made
 * in-process on the sources, so a packaging fault (a missing file, a stale or partial dist/, a
 * broken `exports` map, a source-only import) shows as a difference, not as a silent pass.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  compatMatrix,
  crashSweep,
  decodeSavedState,
  defaultCrashSweepScenario,
  demoState,
  encodeSavedState,
  parseScenarioFileText,
  runScenario,
} from 'vtl2-persist';
import { demoText, runDemo } from '../../src/cli/demo.js';
import { ROOT } from '../support/cli.js';

const run = promisify(execFile);
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const EXAMPLE = 'docs/examples/torn-save.json';
// Build + pack + install from the registry cache: allow minutes, not the default 60 s.
const SLOW = 240_000;

let tmp = '';
let app = '';
let files: string[] = [];

/** `npm …` with output captured; throws (with npm's output in the message) on a non-zero exit. */
async function npm(args: string[], cwd: string): Promise<string> {
  try {
    return (await run('npm', args, { cwd, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' } })).stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** Runs `command` (default: this node) in the consumer project; never throws, so exit codes can be asserted. */
async function node(args: string[], command = process.execPath): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(command, args, { cwd: app, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'vtl2-persist-pack-'));
  // A file no build produces: if it is in the tarball, prepack packed a stale dist/.
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  writeFileSync(join(ROOT, 'dist', 'stale-leftover.js'), 'export {};\n');
  const out = await npm(['pack', '--pack-destination', tmp, '--json'], ROOT);
  // Lifecycle output (the prepack build) may precede the JSON report; the report is the last array.
  const report = JSON.parse(out.slice(out.lastIndexOf('\n[') + 1 || out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  files = report[0]!.files.map((f) => f.path).sort();
  app = join(tmp, 'app');
  mkdirSync(app);
  await npm(['init', '-y'], app);
  // ES modules, as the examples are written; `npm init -y` makes a CommonJS project.
  const appPkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ ...appPkg, type: 'module' }, null, 2));
  await npm(['install', join(tmp, report[0]!.filename), '--prefer-offline', '--no-audit', '--no-fund'], app);
}, SLOW);

afterAll(() => {
  rmSync(join(ROOT, 'dist', 'stale-leftover.js'), { force: true });
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  test('the tarball holds the built library, the bin, the proto files, the schemas, the examples and the licence', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/bin.js', 'dist/web/explorer.js', EXAMPLE]) expect(files).toContain(f);
    expect(files.filter((f) => /^dist\/format\/proto\/.+\.proto$/.test(f)).length).toBeGreaterThan(0);
    expect(files.filter((f) => /^schema\/.+\.json$/.test(f)).length).toBeGreaterThan(0);
    for (const v of [1, 2, 3]) expect(files).toContain(`schema/saved-state-v${v}.rs`);
  });

  test('dist/ is rebuilt by prepack (no leftovers) and nothing of the test suite ships', () => {
    expect(files).not.toContain('dist/stale-leftover.js');
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('dist/test/') || f.startsWith('node_modules/'))).toEqual([]);
  });
});

describe('the installed package from plain node', () => {
  test(
    'codec, scenario runner, crash sweep, compat matrix and typed errors behave as the sources do',
    async () => {
      const script = `
        import { readFileSync } from 'node:fs';
        import { createRequire } from 'node:module';
        import * as lib from 'vtl2-persist';
        const pkg = createRequire(import.meta.url)('vtl2-persist/package.json');
        const bytes = lib.encodeSavedState(lib.demoState());
        const back = lib.decodeSavedState(bytes);
        const example = readFileSync('node_modules/vtl2-persist/${EXAMPLE}', 'utf8');
        const [scenario] = lib.parseScenarioFileText(example, 'torn-save.json');
        const steps = lib.runScenario(scenario).steps.map((s) => s.op + ':' + (s.path ?? ('error' in s ? 'error' : 'ok')));
        const sweep = lib.crashSweep(lib.defaultCrashSweepScenario(), { granularity: 'u64' });
        const compat = lib.compatMatrix().map((row) => row.map((c) => c.ok));
        let error;
        try { lib.decodeSavedState(Uint8Array.of(0xff)); } catch (e) {
          error = { typed: e instanceof lib.DecodeError && e instanceof lib.Vtl2PersistError, code: e.code };
        }
        const schemas = ${JSON.stringify(files.filter((f) => f.startsWith('schema/') && f.endsWith('.json')))}.map((f) => typeof createRequire(import.meta.url)('vtl2-persist/' + f));
        console.log(JSON.stringify({
          version: pkg.version, hex: Buffer.from(bytes).toString('hex'),
          roundTrip: lib.encodeSavedState(back).length === bytes.length, steps, counts: sweep.counts, compat, error, schemas,
        }));
      `;
      const r = await node(['--input-type=module', '-e', script]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const got = JSON.parse(r.stdout) as Record<string, unknown>;

      const bytes = encodeSavedState(demoState());
      const [scenario] = parseScenarioFileText(readFileSync(join(ROOT, EXAMPLE), 'utf8'), 'torn-save.json');
      const steps = runScenario(scenario!).steps.map((s) => `${s.op}:${'path' in s ? s.path : 'error' in s ? 'error' : 'ok'}`);
      let code: unknown;
      try {
        decodeSavedState(Uint8Array.of(0xff));
      } catch (e) {
        code = (e as { code: unknown }).code;
      }
      expect(got).toEqual({
        version: PKG.version,
        hex: Buffer.from(bytes).toString('hex'),
        roundTrip: true,
        steps,
        counts: crashSweep(defaultCrashSweepScenario(), { granularity: 'u64' }).counts,
        compat: compatMatrix().map((row) => row.map((c) => c.ok)),
        error: { typed: true, code },
        schemas: files.filter((f) => f.startsWith('schema/') && f.endsWith('.json')).map(() => 'object'),
      });
      expect(steps.length).toBeGreaterThan(0);
    },
    SLOW,
  );

  test('the vtl2-persist bin runs the demo: exit 0 and the same output as from source', async () => {
    // Executed as a shell would (shebang, executable bit), not through `node FILE`.
    const r = await node(['demo'], join(app, 'node_modules', '.bin', 'vtl2-persist'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${demoText(runDemo())}\n`);
  });

  test('the installed bin runs a campaign on worker threads: --jobs 2 prints what --jobs 1 prints', async () => {
    // The built worker entry (dist/sim/parallel-worker.js) must be found from the installed package.
    const bin = join(app, 'node_modules', '.bin', 'vtl2-persist');
    const [one, two] = await Promise.all([node(['crash-sweep', '--json', '--jobs', '1'], bin), node(['crash-sweep', '--json', '--jobs', '2'], bin)]);
    expect([one.code, two.code, two.stderr]).toEqual([0, 0, '']);
    expect(two.stdout).toBe(one.stdout);
    expect(JSON.parse(one.stdout)[0].points).toBe(360);
  });

  test('the installed bin runs evolve against the shipped schemas it carries in schema/', async () => {
    // dist/sim/evolve/shipped.js finds schema/saved-state-v*.rs three levels up, in the package.
    const bin = join(app, 'node_modules', '.bin', 'vtl2-persist');
    const proposal = join(app, 'node_modules', 'vtl2-persist', 'schema', 'saved-state-v3.rs');
    const r = await node(['evolve', proposal, '--against', 'v1,v2', '--json'], bin);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout).compatible).toBe(true);
  });

  test('the vtl2-persist bin prints the package version', async () => {
    const r = await node(['--version'], join(app, 'node_modules', '.bin', 'vtl2-persist'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`vtl2-persist ${PKG.version}\n`);
  });
});
