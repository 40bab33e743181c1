/**
 * docs/errors.md lists every error class and every stable code the package can throw. The codes
 * are read from the `…ErrorCode` unions in src (and `GenerationsError`'s literal), so adding a
 * code without documenting it fails here. `BootPanic`'s codes are the panic kinds, documented
 * (and tested) in docs/scenario-format.md.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../support/cli.js';

const DOC = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? (d.name === 'cli' ? [] : sourceFiles(join(dir, d.name))) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** [union name, its string literals] for every `export type XErrorCode = 'a' | 'b'` in src (the CLI excluded). */
function codeUnions(): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/export type (\w+ErrorCode) =([^;]+);/g)) {
      out.push([m[1]!, [...m[2]!.matchAll(/'([a-z0-9_]+)'/g)].map((x) => x[1]!)]);
    }
  }
  return out;
}

const CLASSES = [...new Set(sourceFiles(join(ROOT, 'src')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/export class (\w+) extends Vtl2PersistError/g)].map((m) => m[1]!)))];

describe('docs/errors.md', () => {
  const unions = codeUnions();

  test('finds the unions it checks (the scan itself works)', () => {
    expect(unions.map(([n]) => n)).toEqual(expect.arrayContaining(['DecodeErrorCode', 'JsonTextErrorCode', 'ArgumentErrorCode', 'GuestMemoryErrorCode']));
    expect(unions.every(([, codes]) => codes.length > 0)).toBe(true);
    expect(CLASSES).toEqual(expect.arrayContaining(['ArgumentError', 'DecodeError', 'BootPanic', 'JsonInputError']));
  });

  test.each(CLASSES)('documents the class %s', (cls) => {
    expect(DOC).toContain(`\`${cls}\``);
  });

  test('documents every code of every …ErrorCode union', () => {
    const missing = unions.flatMap(([name, codes]) => codes.filter((c) => !DOC.includes(`\`${c}\``)).map((c) => `${name}: ${c}`));
    expect(missing).toEqual([]);
    expect(DOC).toContain('`bad_generations`');
  });
});
