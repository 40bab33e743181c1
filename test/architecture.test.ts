import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// Data flows boot → usermode → memory → boot; the lower layers must not reach up.
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const FORBIDDEN: Record<string, string[]> = {
  memory: ['format', 'boot', 'usermode', 'sim', 'cli'],
  format: ['boot', 'usermode', 'sim', 'cli'],
  usermode: ['boot', 'sim', 'cli'],
  boot: ['sim', 'cli'],
  sim: ['cli'],
};

function imports(folder: string): { file: string; target: string }[] {
  return readdirSync(join(SRC, folder))
    .filter((f) => f.endsWith('.ts'))
    .flatMap((file) =>
      [...readFileSync(join(SRC, folder, file), 'utf8').matchAll(/from '\.\.\/([a-z]+)\//g)].map((m) => ({ file: `${folder}/${file}`, target: m[1]! })),
    );
}

describe('layering', () => {
  test.each(Object.entries(FORBIDDEN))('src/%s imports none of %j', (folder, forbidden) => {
    const bad = imports(folder).filter((i) => forbidden.includes(i.target));
    expect(bad).toEqual([]);
  });

  test('every src folder has an index.ts whose header comment says its job', () => {
    for (const folder of Object.keys(FORBIDDEN).concat('cli')) {
      const index = folder === 'cli' ? 'main.ts' : 'index.ts';
      expect(readFileSync(join(SRC, folder, index), 'utf8')).toMatch(new RegExp(`^/\\*\\*\\n \\* src/${folder} — `));
    }
  });
});
