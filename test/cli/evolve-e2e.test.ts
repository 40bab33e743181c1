import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';

// `vtl2-persist evolve` as a user runs it: exit 0 compatible, 1 not, 2 an unreadable schema or
// a usage error; --json with a top-level "compatible" and "findings"; never a stack trace.
const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-evolve-'));
const file = (name: string, text: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const noTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |Error:|TypeError|RangeError/);

describe('vtl2-persist evolve', () => {
  test('the done-means case: v3 against v1,v2 is compatible (exit 0)', async () => {
    const r = await runCli(['evolve', 'schema/saved-state-v3.rs', '--against', 'v1,v2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.text.split('\n')[0]).toBe('evolve schema/saved-state-v3.rs against v1, v2: COMPATIBLE');
  });

  test('--json: compatible, findings with ids, severities, fixes and evidence payloads; exit 1 when not', async () => {
    const r = await runCli(['evolve', 'docs/examples/evolve/add-restore-mode.rs', '--against', 'v3', '--json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.text) as { compatible: boolean; findings: { id: string; severity: string; field: string; fix: string; evidence?: { payload_hex: string; accepted: boolean; error?: { message: string } } }[]; boot: { cells: { reader: string; path: string }[] } };
    expect(json.compatible).toBe(false);
    const f = json.findings.find((x) => x.id === 'required-field-added')!;
    expect(f).toMatchObject({ severity: 'error', field: 'SavedState.mode', fix: 'wrap mode in Option: mode: Option<RestoreMode>' });
    expect(f.evidence).toMatchObject({ accepted: false, error: { message: 'missing enum variant' } });
    expect(f.evidence!.payload_hex).toMatch(/^[0-9a-f]+$/);
    expect(json.boot.cells.some((c) => c.reader === 'proposed reader' && c.path === 'panic')).toBe(true);
  });

  test('the same seed gives the same report, byte for byte; another seed other random payloads', async () => {
    const [a, b, c] = await Promise.all([
      runCli(['evolve', 'docs/examples/evolve/vnode-i32.rs', '--json', '--seed', '7']),
      runCli(['evolve', 'docs/examples/evolve/vnode-i32.rs', '--json', '--seed', '7']),
      runCli(['evolve', 'docs/examples/evolve/vnode-i32.rs', '--json', '--seed', '8']),
    ]);
    expect(a.code).toBe(1);
    expect(a.text).toBe(b.text);
    expect(a.text).not.toBe(c.text);
  });

  test('a .proto proposal loads, and a message field it adds cannot be told from .proto', async () => {
    const base = (await import('node:fs')).readFileSync('schema/saved-state-v3.proto', 'utf8');
    const proto = base.replace(/message SavedState \{/, 'message SavedState {\n  Mode mode = 5;').concat('\nmessage Mode {\n  uint32 field1 = 1;\n}\n');
    const r = await runCli(['evolve', file('v4.proto', proto), '--against', 'v3', '--json']);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.text) as { findings: { id: string }[] };
    expect(json.findings.map((f) => f.id)).toContain('cannot-tell-from-proto');
  });

  test.each([
    ['a syntax error, with line and column', 'pub mod m {\n    #[derive(Protobuf)]\n    pub struct SavedState {\n        #[mesh(1)]\n        pub a: u32\n        pub b: u32,\n', /evolve: .*bad\.rs:6:\d+: /],
    ['a type outside the subset', '#[derive(Protobuf)]\npub struct SavedState {\n    #[mesh(1)]\n    pub a: Box<u32>,\n}\n', /bad\.rs:4:12: /],
    ['no SavedState', '#[derive(Protobuf)]\npub struct Other {\n    #[mesh(1)]\n    pub a: u32,\n}\n', /SavedState/],
    ['binary garbage', Uint8Array.from([0, 159, 146, 150, 255, 0x1b, 0x5b, 0x32, 0x4a]), /evolve: .*bad\.rs:1:1: /],
  ])('exit 2 for %s, one line, no stack trace', async (_what, text, message) => {
    const r = await runCli(['evolve', file('bad.rs', text)]);
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('\x1b');
    noTrace(r.stderr);
  });

  test.each([
    [[], /name the proposed schema file/],
    [['a.rs', 'b.rs'], /one proposed schema at a time/],
    [['schema/saved-state-v3.rs', '--against', 'v9'], /cannot read v9/],
    [['schema/saved-state-v3.rs', '--against', 'v1,,v2'], /--against takes/],
    [['schema/saved-state-v3.rs', '--random', 'lots'], /--random must be/],
    [['schema/saved-state-v3.rs', '--seed', 'x'], /seed/],
    [['/nonexistent/x.rs'], /cannot read \/nonexistent\/x\.rs: no such file or directory/],
    [[dir], /is a directory/],
  ])('exit 2 for %j', async (args, message) => {
    const r = await runCli(['evolve', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    noTrace(r.stderr);
  });

  test('a schema over the size cap is refused before it is parsed', async () => {
    const r = await runCli(['evolve', file('huge.rs', `// ${'x'.repeat(1 << 20)}\n`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/larger than|over/);
    noTrace(r.stderr);
  });

  test('--help documents the options and the exit codes', async () => {
    const r = await runCli(['evolve', '--help']);
    expect(r.code).toBe(0);
    for (const s of ['--against LIST', '--root NAME', '--seed N', '--random N', '--json', 'Exit codes: 0 compatible, 1 not compatible']) expect(r.text).toContain(s);
  });
});
