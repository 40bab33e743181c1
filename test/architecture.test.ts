import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// Data flows boot → usermode → memory → boot; the lower layers must not reach up.
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const FORBIDDEN: Record<string, string[]> = {
  memory: ['format', 'boot', 'usermode', 'sim', 'cli', 'web'],
  format: ['boot', 'usermode', 'sim', 'cli', 'web'],
  usermode: ['boot', 'sim', 'cli', 'web'],
  boot: ['sim', 'cli', 'web'],
  sim: ['cli', 'web'],
  // What a person looks at (SVG figures, the explorer page): draws the library's data, never the CLI.
  web: ['cli'],
};

/** Every .ts file under `dir`, subfolders included (src/web/svg, src/web/explorer). */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? tsFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** The src folder each relative import of `folder`'s files lands in (`../../format/x.js` from src/web/svg is `format`). */
function imports(folder: string): { file: string; target: string }[] {
  return tsFiles(join(SRC, folder)).flatMap((path) =>
    [...readFileSync(path, 'utf8').matchAll(/from '(\.\.?\/[^']+)'/g)].map((m) => {
      const target = relative(SRC, resolve(dirname(path), m[1]!)).split(/[\\/]/)[0]!;
      return { file: relative(SRC, path), target };
    }),
  );
}

describe('layering', () => {
  test.each(Object.entries(FORBIDDEN))('src/%s imports none of %j', (folder, forbidden) => {
    const bad = imports(folder).filter((i) => forbidden.includes(i.target));
    expect(bad).toEqual([]);
  });

  test('the scan sees imports from nested folders (src/web/svg reaches src/memory through ../../)', () => {
    expect(imports('web')).toContainEqual({ file: 'web/svg/map-svg.ts', target: 'memory' });
  });

  test('every src folder has an index.ts whose header comment says its job', () => {
    for (const folder of Object.keys(FORBIDDEN).concat('cli')) {
      const index = folder === 'cli' ? 'main.ts' : 'index.ts';
      expect(readFileSync(join(SRC, folder, index), 'utf8')).toMatch(new RegExp(`^/\\*\\*\\n \\* src/${folder} — `));
    }
  });
});
