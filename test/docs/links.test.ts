// Every relative link in the README and docs/, and every `docs/X.md#anchor` named in a source
// comment, points at a file that exists and, where it names one, at a heading that exists. A
// renamed file or heading breaks a link a reader follows; this finds it before they do.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Files below `dir` (relative to the root) whose names end in `ext`. */
function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'api' ? [] : filesUnder(path, ext);
    return e.name.endsWith(ext) ? [path] : [];
  });
}

/** GitHub's heading anchors: lowercased, punctuation but `-`/`_` dropped, spaces to `-`, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m === null) continue;
    const base = m[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Checks one link target relative to the file `from`; returns a complaint or undefined. */
function check(from: string, target: string): string | undefined {
  const [path, anchor] = target.split('#') as [string, string | undefined];
  const file = path === '' ? join(ROOT, from) : resolve(dirname(join(ROOT, from)), decodeURIComponent(path));
  if (!existsSync(file)) return `${from}: ${target}: no such file`;
  if (anchor === undefined || statSync(file).isDirectory()) return undefined;
  if (!file.endsWith('.md')) return `${from}: ${target}: an anchor into a non-Markdown file`;
  return headingAnchors(readFileSync(file, 'utf8')).has(anchor) ? undefined : `${from}: ${target}: no heading #${anchor} in ${relative(ROOT, file)}`;
}

const MARKDOWN = ['README.md', 'test/vectors/README.md', ...filesUnder('docs', '.md')];

describe('links', () => {
  test('headingAnchors follows GitHub: code spans, punctuation, repeats', () => {
    expect([...headingAnchors('# A `b_c` d\n## Comments and `$schema`\n## x\n## x\n```\n# not a heading\n```')]).toEqual([
      'a-b_c-d', 'comments-and-schema', 'x', 'x-1',
    ]);
  });

  test.each(MARKDOWN)('%s: every relative link resolves', (from) => {
    const text = readFileSync(join(ROOT, from), 'utf8').replace(/```[\s\S]*?```/g, '');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t));
    expect(targets.map((t) => check(from, t)).filter((c) => c !== undefined)).toEqual([]);
  });

  test('every docs/X.md#anchor named in src/ and test/ resolves', () => {
    const named = [...filesUnder('src', '.ts'), ...filesUnder('test', '.ts')].filter((f) => f !== 'test/docs/links.test.ts').flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/\bdocs\/([\w.-]+\.md#[\w-]+)/g)].map((m) => ({ file, target: m[1]! })),
    );
    expect(named.length).toBeGreaterThan(0);
    expect(named.map(({ file, target }) => check('docs/README.md', target)?.replace('docs/README.md', file)).filter((c) => c !== undefined)).toEqual([]);
  });
});
