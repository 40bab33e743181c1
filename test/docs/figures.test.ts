import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../support/cli.js';
import { FIGURES, figureUrl, renderFigure } from './figures.js';

// Each figure in docs/figures/ that `render` draws is regenerated here; a stale committed copy
// (the emulator, the data or the renderer changed) fails. Regenerate: npx tsx test/docs/figures.ts
const DOCS: Record<string, string[]> = {
  'servicing-map.svg': ['docs/servicing-walkthrough.md', 'README.md'],
  'fresh-boot-map.svg': ['docs/memory-layout.md'],
  'torn-save-bytes.svg': ['docs/servicing-walkthrough.md'],
  'example-region-bytes.svg': ['docs/header-layout.md'],
  'torn-save-sweep.svg': ['docs/robustness.md'],
};

describe('docs/figures drawn by vtl2-persist render', () => {
  test('runs from the repository root (the figures name their inputs relative to it)', () => {
    expect(`${process.cwd()}/`).toBe(ROOT);
  });

  test.each(FIGURES.map((f) => [f.file, f] as const))('%s is what render draws now (regenerate: npx tsx test/docs/figures.ts)', (_file, f) => {
    expect(readFileSync(figureUrl(f), 'utf8')).toBe(renderFigure(f));
  });

  test.each(Object.entries(DOCS))('%s is embedded in the docs, with the command that draws it', (file, docs) => {
    const f = FIGURES.find((x) => x.file === file)!;
    for (const doc of docs) {
      const text = readFileSync(new URL(doc, `file://${ROOT}`), 'utf8');
      expect(text, doc).toContain(`figures/${file}`);
      if (doc !== 'README.md') expect(text, doc).toContain(`vtl2-persist render ${f.args.join(' ')}`);
    }
  });
});
