import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// Every `npx vtl2-persist …` line of docs/cli.md runs, in order (later lines use files earlier
// ones write), and succeeds. The CLI runs from source; /tmp/ paths go to a fresh temp dir.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
const examples = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.startsWith('npx vtl2-persist')));
const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-cli-doc-'));
const CLI = `${JSON.stringify(process.execPath)} --import tsx src/cli/bin.ts`;

describe('docs/cli.md examples', () => {
  test('document every command', () => {
    const commands = new Set(examples.map((l) => l.split(/\s+/)[2]));
    expect([...commands].sort()).toEqual(['--version', 'compat', 'crash-sweep', 'decode', 'demo', 'encode', 'evolve', 'explore', 'harden', 'help', 'image', 'inspect', 'merge', 'render', 'simulate']);
  });

  test.each(examples.map((l, i) => [i, l] as const))('#%i %s', (_i, line) => {
    const command = line.replaceAll('npx vtl2-persist', CLI).replaceAll('/tmp/', `${dir}/`);
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stderr.replace(/^npm warn .*\n/gm, '')).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('README example session', () => {
  // Each `$ command` of the README's console block, replayed; its output must be what the README shows.
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = readme.slice(readme.indexOf('```console\n') + 11, readme.indexOf('```', readme.indexOf('```console\n') + 11));
  const session = block.split(/^\$ /m).filter((s) => s !== '').map((s) => {
    const [command, ...output] = s.split('\n');
    return [command!, output.join('\n')] as const;
  });

  test('has commands', () => expect(session.length).toBeGreaterThanOrEqual(4));

  test.each(session)('$ %s', (command, output) => {
    const real = command.replaceAll('npx vtl2-persist', CLI).replaceAll('/tmp/', `${dir}/`);
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', real], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(output);
  });
});
