import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { builtCli, cleanupCli } from '../fuzz/cli-layer.js';

// `inspect` of a full 2 MiB dump in bounded memory, measured on the built CLI in its own process.
//
// The dump is 2 MiB of `0a 00`: read as a region (--region), its payload is a million empty
// partition_memory entries, so the wire view has a million rows and the decoded state a million
// entries. The decoded SavedState alone is ~90 MB of live heap; `inspect` needs ~135 MB of old
// space for --json (it completes under --max-old-space-size=140, not 130) and less for text.
// The child runs under a V8 heap cap of MAX_HEAP_MIB and must finish, whole.
// Mutant killed: the wire rows materialised (walkWire keeping `rows` as an array, as before, or a
// renderer `Array.from`-ing them): ~400 MB of row objects on top, so the capped child dies of
// "JavaScript heap out of memory".
// Why a heap cap and not peak RSS: RSS is the heap plus whatever garbage the collector has not
// got to yet, which depends on the machine's load (measured 255-323 MiB here, 461 MiB on a busy
// CI machine, same code); the heap a run needs to finish does not.

/** The old-space limit the child runs under, in MiB: about twice what --json needs. */
const MAX_HEAP_MIB = 256;

/** The last entry's path: (2 MiB - the 4 KiB header page) / 2 bytes per entry, minus one. */
const LAST_ENTRY = `partition_memory[${((1 << 21) - 4096) / 2 - 1}]`;

let dir: string;
let bin: string;
let dump: string;

beforeAll(() => {
  bin = builtCli();
  dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-inspect-memory-'));
  dump = join(dir, 'z2m.bin');
  writeFileSync(dump, Buffer.alloc(1 << 21, Buffer.from([0x0a, 0x00])));
}, 300_000);

afterAll(() => {
  cleanupCli();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stderr: string;
  stdoutBytes: number;
  /** The last bytes of stdout (the rest is counted, never kept: the JSON is ~550 MB). */
  tail: string;
}

/** Runs the built `vtl2-persist ARGS…` under the heap cap, counting its output without keeping it. */
function run(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${MAX_HEAP_MIB}`, bin, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdoutBytes = 0;
    let tail = Buffer.alloc(0);
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => {
      stdoutBytes += b.length;
      tail = Buffer.concat([tail, b]).subarray(-4096);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stderr: Buffer.concat(err).toString('utf8'), stdoutBytes, tail: tail.toString('utf8') });
    });
  });
}

describe(`inspect of a 2 MiB dump of a million wire rows finishes under a ${MAX_HEAP_MIB} MiB heap`, () => {
  test('text output', async () => {
    const r = await run(['inspect', '--region', dump]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The whole wire view came out (~117 MB), down to the last entry.
    expect(r.stdoutBytes).toBeGreaterThan(100_000_000);
    expect(r.tail).toContain(LAST_ENTRY);
  }, 300_000);

  test('--json', async () => {
    const r = await run(['inspect', '--region', dump, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdoutBytes).toBeGreaterThan(500_000_000);
    expect(r.tail).toContain(`"path": "${LAST_ENTRY}"`);
  }, 300_000);
});
