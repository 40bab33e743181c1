import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { builtCli, cleanupCli } from '../fuzz/cli-layer.js';

// `inspect` of a full 2 MiB dump in bounded memory, measured on the built CLI in its own process.
//
// The dump is 2 MiB of `0a 00`: read as a region (--region), its payload is a million empty
// partition_memory entries, so the wire view has a million rows and the decoded state a million
// entries. The decoded SavedState alone is ~110 MB of heap (`decode` of the same file peaks at
// ~235 MB RSS); `inspect` measured 255-296 MB (text and --json, on a loaded 2-core machine).
// Mutant killed: the wire rows materialised (walkWire keeping `rows` as an array, as before, or a
// renderer `Array.from`-ing them): ~400 MB of row objects on top, 650-700 MB peak.

/** Peak RSS an `inspect` of the 2 MiB dump may reach (the fuzz layer's cap for any CLI run, too). */
const MAX_RSS_MIB = 400;

/** The last entry's path: (2 MiB - the 4 KiB header page) / 2 bytes per entry, minus one. */
const LAST_ENTRY = `partition_memory[${((1 << 21) - 4096) / 2 - 1}]`;

let dir: string;
let bin: string;
let hook: string;
let dump: string;

beforeAll(() => {
  bin = builtCli();
  dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-inspect-memory-'));
  dump = join(dir, 'z2m.bin');
  writeFileSync(dump, Buffer.alloc(1 << 21, Buffer.from([0x0a, 0x00])));
  // Preloaded into the child: an 'exit' listener reports the process's own peak RSS (KiB on Linux).
  hook = join(dir, 'rss-hook.mjs');
  writeFileSync(
    hook,
    "import { writeFileSync } from 'node:fs';\n" +
      "process.on('exit', () => writeFileSync(process.env.VTL2_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
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
  maxRssMiB: number;
}

/** Runs the built `vtl2-persist ARGS…` with the RSS hook, counting its output without keeping it. */
function run(args: string[], label: string): Promise<Run> {
  const rssFile = join(dir, `${label}.rss`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(hook).href, bin, ...args], {
      env: { ...process.env, NO_COLOR: '1', VTL2_RSS_FILE: rssFile },
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
      const kib = Number(readFileSync(rssFile, 'utf8'));
      resolve({ code, stderr: Buffer.concat(err).toString('utf8'), stdoutBytes, tail: tail.toString('utf8'), maxRssMiB: kib / 1024 });
    });
  });
}

describe('inspect of a 2 MiB dump of a million wire rows stays in bounded memory', () => {
  test('text output', async () => {
    const r = await run(['inspect', '--region', dump], 'text');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The whole wire view came out (~117 MB), down to the last entry.
    expect(r.stdoutBytes).toBeGreaterThan(100_000_000);
    expect(r.tail).toContain(LAST_ENTRY);
    expect(r.maxRssMiB, `peak RSS ${Math.round(r.maxRssMiB)} MiB`).toBeLessThan(MAX_RSS_MIB);
  }, 300_000);

  test('--json', async () => {
    const r = await run(['inspect', '--region', dump, '--json'], 'json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdoutBytes).toBeGreaterThan(500_000_000);
    expect(r.tail).toContain(`"path": "${LAST_ENTRY}"`);
    expect(r.maxRssMiB, `peak RSS ${Math.round(r.maxRssMiB)} MiB`).toBeLessThan(MAX_RSS_MIB);
  }, 300_000);
});
