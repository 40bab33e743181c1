// Rewrites every `$ npx vtl2-persist evolve …` block of docs/evolving-saved-state.md with the
// command's current output (run in-process from the repository root), so that the page shows
// real output after a change to evolve. test/docs/evolving-doc.test.ts fails until it is run.
// Usage: npm run docs:evolve
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DOC = join(ROOT, 'docs/evolving-saved-state.md');

const doc = readFileSync(DOC, 'utf8').replace(/```text\n\$ npx vtl2-persist (evolve[^\n]*)\n[\s\S]*?```/g, (_block, command: string) => {
  const chunks: string[] = [];
  const args = command.split(' ').map((a) => (a.startsWith('docs/') || a.startsWith('schema/') ? join(ROOT, a) : a));
  main(args, { isTTY: false, write: (c: string) => chunks.push(c) } as never, { isTTY: false, write: (c: string) => process.stderr.write(c) } as never);
  return `\`\`\`text\n$ npx vtl2-persist ${command}\n${chunks.join('').replaceAll(ROOT, '')}\`\`\``;
});
writeFileSync(`${DOC}.tmp`, doc);
renameSync(`${DOC}.tmp`, DOC);
