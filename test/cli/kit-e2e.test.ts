import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { outputFileHooks } from '../../src/cli/kit/output-file.js';
import { JsonStreamArray, Writer, writeJson } from '../../src/cli/kit/output.js';
import { main } from '../../src/cli/main.js';
import { ROOT, runCli, type CliRun } from '../support/cli.js';

// The CLI kit (src/cli/kit/, docs/robustness.md "CLI input and output"), end to end through the
// real entry point: bounded input, count bounds, streamed JSON, EPIPE, and -o that loses nothing.

const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-kit-'));
const at = (name: string) => join(dir, name);
const STATE = join(ROOT, 'docs/examples/state.json');
const SCENARIO = 'docs/examples/torn-save.json';
const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;
// 130,000 empty partition_memory entries: a big but valid payload.
writeFileSync(at('p.bin'), Buffer.from('0a00'.repeat(130_000), 'hex'));
mkdirSync(at('a-directory'));

/** Runs the CLI with standard input from `stdinPath` (e.g. /dev/zero) instead of a pipe. */
function runWithStdinFile(args: readonly string[], stdinPath: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const fd = openSync(stdinPath, 'r');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { cwd: ROOT, stdio: [fd, 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    closeSync(fd);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, text: stdout.toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

describe.concurrent('bounded input', () => {
  test('a 3 GB sparse file is refused by its size before any byte is read', async () => {
    truncateSync(openAndClose(at('big.bin')), 3 * 1024 ** 3);
    const r = await runCli(['decode', at('big.bin')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vtl2-persist decode: .*big\.bin is larger than the 2 MiB cap for a region dump or payload \(/);
  });

  test('/dev/zero as a FILE ends at the cap (a character device is read up to it)', async () => {
    const r = await runCli(['inspect', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/dev/zero is larger than the 2 MiB cap');
  });

  test('/dev/zero on standard input ends at the cap, exit 2', async () => {
    const r = await runWithStdinFile(['decode', '-'], '/dev/zero');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('vtl2-persist decode: <stdin> is larger than the 2 MiB cap');
  });

  test('/dev/urandom on standard input of simulate ends at the 64 MiB JSON cap', async () => {
    const r = await runWithStdinFile(['simulate', '-', '--max-input', '1000000'], '/dev/urandom');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('<stdin> is larger than the 1000000 bytes cap for a JSON input (use --max-input BYTES to raise it)');
  });

  test('hex text gets twice the binary cap plus slack: 2 MiB of bytes as hex is read, 6 MiB of text is not', async () => {
    writeFileSync(at('ok.hex'), '0a00'.repeat(1024)); // small: accepted
    truncateSync(openAndClose(at('huge.hex')), 6 * 1024 * 1024);
    const [ok, huge] = await Promise.all([runCli(['decode', '--hex', at('ok.hex')]), runCli(['decode', '--hex', at('huge.hex')])]);
    expect(ok.code).toBe(0);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain('larger than the 5 MiB cap for hex text');
  });

  test('a JSON input past the 64 MiB default is refused; --max-input raises or lowers the cap', async () => {
    truncateSync(openAndClose(at('big.json')), 64 * 1024 * 1024 + 1);
    const [big, lowered, bad] = await Promise.all([
      runCli(['encode', at('big.json'), '--hex']),
      runCli(['encode', STATE, '--hex', '--max-input', '10']),
      runCli(['encode', STATE, '--hex', '--max-input', '0']),
    ]);
    expect(big.code).toBe(2);
    expect(big.stderr).toContain('is larger than the 64 MiB cap for a JSON input (use --max-input BYTES to raise it)');
    expect(lowered.code).toBe(2);
    expect(lowered.stderr).toContain('larger than the 10 bytes cap');
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('--max-input must be a byte count from 1 to 268435456') });
  });

  test('a directory is "is a directory", exit 2', async () => {
    const r = await runCli(['decode', at('a-directory')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*a-directory: is a directory\n$/);
  });
});

describe.concurrent('count bounds', () => {
  test.each([
    [['simulate', SCENARIO, '--generations', '9007199254740991'], '--generations must be a positive integer (got "9007199254740991"); the most is 1000000'],
    [['simulate', SCENARIO, '--generations', '1000001'], '--generations must be a positive integer (got "1000001"); the most is 1000000'],
    [['crash-sweep', '--sample', '1000001'], '--sample must be a positive integer (got "1000001"); the most is 1000000'],
  ])('%j is refused at once, exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('the bound itself is accepted (kills an off-by-one `<` bound)', async () => {
    // 1000000 passes the argument check; --max-input 1 then stops before any generation runs.
    const r = await runCli(['simulate', SCENARIO, '--generations', '1000000', '--max-input', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('larger than the 1 bytes cap');
  });
});

describe('streamed output', () => {
  test('writeJson prints exactly what JSON.stringify(v, null, 2) does, streamed arrays included', () => {
    const values: unknown[] = [
      null, 0, 'x\n"y"', [], {}, [[]], { a: [], b: {}, c: [1, [2, { d: undefined, e: null }]], f: undefined },
      { toJSON: () => ({ g: 1 }) }, [undefined, () => 1], { nested: { deep: [{ x: 1 }, { y: [true, false] }] } },
    ];
    for (const v of values) {
      let out = '';
      const w = new Writer({ write: (s) => void (out += String(s)) });
      writeJson(w, v);
      w.end();
      expect(out).toBe(JSON.stringify(v, null, 2) ?? 'null');
    }
    const items = Array.from({ length: 3000 }, (_, i) => ({ i, s: [i] })); // > one 1024-item batch
    let out = '';
    const w = new Writer({ write: (s) => void (out += String(s)) });
    writeJson(w, { list: new JsonStreamArray(() => items), empty: new JsonStreamArray(() => []), inner: [new JsonStreamArray(() => [1])] });
    w.end();
    expect(out).toBe(JSON.stringify({ list: items, empty: [], inner: [[1]] }, null, 2));
  });

  test('writeJson streams a large item inside an array piece by piece, with the same bytes', () => {
    // A wire row holding a packed CPU list of 300 000 elements, between small rows. Mutant killed:
    // `isLarge` always false (the row is stringified whole inside its batch): the largest single
    // write is then the whole multi-megabyte row, not a 64 KiB chunk plus one batch.
    const rows: unknown[] = [{ a: 1 }, { key: 'packed', elements: Array.from({ length: 300_000 }, (_, i) => i) }, [Array.from({ length: 2000 }, () => 7)], { b: [] }];
    const writes: number[] = [];
    let out = '';
    const w = new Writer({ write: (s) => void (writes.push(String(s).length), (out += String(s))) });
    writeJson(w, { rows: new JsonStreamArray(() => rows), plain: rows });
    w.end();
    expect(out).toBe(JSON.stringify({ rows, plain: rows }, null, 2));
    expect(out.length).toBeGreaterThan(4_000_000);
    expect(Math.max(...writes)).toBeLessThan(200_000);
  });

  test('a Writer hands its stream chunks, not one giant string', () => {
    const sizes: number[] = [];
    const w = new Writer({ write: (s) => void sizes.push(String(s).length) });
    for (let i = 0; i < 100_000; i++) w.line('0123456789');
    w.end();
    expect(sizes.length).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThan(70_000);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1_100_000);
  });

  test('inspect --payload of 130,000 fields and decode --json of it finish, no stack trace', async () => {
    const [inspect, decode] = await Promise.all([runCli(['inspect', '--payload', at('p.bin')]), runCli(['decode', at('p.bin'), '--json'])]);
    // Exit 1: the payload is a finding (openhcl_boot's decode heap), not a crash.
    expect([0, 1]).toContain(inspect.code);
    expect(inspect.stderr).not.toMatch(NO_STACK);
    expect(inspect.text).toContain('raw wire view (mesh_protobuf rules; 130000 field(s)');
    expect(decode.code).toBe(0);
    expect((JSON.parse(decode.text) as { partition_memory: unknown[] }).partition_memory).toHaveLength(130_000);
  }, 120_000);

  test('simulate --json of several scenarios prints the same array as before, one scenario at a time', async () => {
    const r = await runCli(['simulate', SCENARIO, SCENARIO, '--json']);
    const parsed = JSON.parse(r.text) as unknown[];
    expect(parsed.length).toBeGreaterThanOrEqual(2);
    expect(r.text).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
  });
});

describe('EPIPE', () => {
  test('output into a closed pipe ends quietly: exit 0, nothing on stderr', async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'inspect', '--payload', at('p.bin')], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
      const err: Buffer[] = [];
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.stdout.once('data', () => child.stdout.destroy()); // `| head -c 10`
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr: Buffer.concat(err).toString('utf8') }));
    });
    expect(r).toEqual({ code: 0, stderr: '' });
  }, 120_000);
});

describe('-o loses nothing on disk', () => {
  const leftovers = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

  test('-o onto its own input is refused and the input is intact', async () => {
    const d = mkdtempSync(join(dir, 'own-'));
    const file = join(d, 's.json');
    writeFileSync(file, readFileSync(STATE));
    const r = await runCli(['encode', file, '-o', file, '--force']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("it is one of this command's input files");
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(STATE, 'utf8'));
    // The same file under another spelling (dev + ino, not the name).
    const r2 = await runCli(['encode', file, '-o', join(d, '.', 's.json'), '--force']);
    expect(r2.code).toBe(2);
  });

  test('an existing file is replaced only with --force; the write leaves no temporary file', async () => {
    const d = mkdtempSync(join(dir, 'force-'));
    const out = join(d, 'payload.bin');
    writeFileSync(out, 'old');
    const refused = await runCli(['encode', STATE, '-o', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to overwrite');
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(out, 'utf8')).toBe('old');
    const forced = await runCli(['encode', STATE, '-o', out, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(3);
    const fresh = await runCli(['image', STATE, '--base', '0x1000000', '-o', join(d, 'image.bin')]);
    expect(fresh.code).toBe(0);
    expect(readFileSync(join(d, 'image.bin')).length).toBe(0x14000);
    expect(leftovers(d)).toEqual([]);
  });

  test('a write into a missing directory fails cleanly, exit 2, nothing left behind', async () => {
    const r = await runCli(['encode', STATE, '-o', join(dir, 'no-such-dir', 'x.bin')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*x\.bin: no such file or directory/);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });

  test('a failed write (after the temporary file, before the rename) keeps the old file and removes the temporary one', () => {
    const d = mkdtempSync(join(dir, 'fail-'));
    const out = join(d, 'payload.bin');
    writeFileSync(out, 'old');
    let err = '';
    outputFileHooks.beforeRename = () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    };
    try {
      const code = main(['encode', STATE, '-o', out, '--force'], { write: () => true }, { write: (s) => void (err += String(s)) });
      expect(code).toBe(2);
    } finally {
      delete outputFileHooks.beforeRename;
    }
    expect(err).toContain('cannot write');
    expect(err).toContain('no space left on device');
    expect(readFileSync(out, 'utf8')).toBe('old');
    expect(leftovers(d)).toEqual([]);
  });

  test('--help of every command that takes -o documents the overwrite policy', async () => {
    for (const c of ['encode', 'image']) {
      const r = await runCli([c, '--help']);
      expect(r.text).toContain('--force');
      expect(r.text).toContain("never writes over\n                     one of the command's own inputs");
    }
  });
});

function openAndClose(file: string): string {
  closeSync(openSync(file, 'w'));
  return file;
}
