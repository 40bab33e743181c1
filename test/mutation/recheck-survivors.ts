/**
 * Re-runs each mutant Stryker reports as Survived (or NoCoverage) outside Stryker: writes the
 * mutant's replacement into its source file, runs vitest (the Stryker config's test set) on the
 * test files that cover it, restores the file, and reports which mutants the suite really kills.
 *
 * Why: a survivor is either a gap in the tests or an equivalent mutant, and docs/robustness.md
 * lists every equivalent one with its reason. This run is the evidence for each entry: the
 * exact original text and replacement (Stryker's clear-text report prints the mutator's
 * replacement for a sub-expression, which is easy to misread as the whole condition), and a
 * verdict from the plain test run, independent of Stryker's per-test coverage bookkeeping.
 *
 * Usage (after `npm run mutate`, in a checkout nobody else is editing: it rewrites src files
 * while it runs and restores each one, also on Ctrl-C):
 *   npx tsx test/mutation/recheck-survivors.ts [reports/mutation/mutation.json] [--json OUT]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

interface Position {
  line: number;
  column: number;
}
interface Mutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: Position; end: Position };
  coveredBy?: string[];
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
  testFiles?: Record<string, { tests: { id: string; name: string }[] }>;
}

/** One re-checked mutant. */
export interface Recheck {
  file: string;
  line: number;
  column: number;
  mutator: string;
  replacement: string;
  original: string;
  strykerStatus: string;
  /** `killed`: a covering test fails with the mutant applied; `survived`: every covering test passes. */
  verdict: 'killed' | 'survived';
  testFiles: string[];
}

/** Offset of a 1-based line and column in `source`. */
function offsetOf(source: string, p: Position): number {
  let at = 0;
  for (let line = 1; line < p.line; line++) at = source.indexOf('\n', at) + 1;
  return at + p.column - 1;
}

function main(): void {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const out = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
  const reportPath = args.find((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1)) ?? 'reports/mutation/mutation.json';
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
  const testFileOf = new Map<string, string>();
  for (const [file, tf] of Object.entries(report.testFiles ?? {})) for (const t of tf.tests) testFileOf.set(t.id, file);

  const results: Recheck[] = [];
  for (const [file, f] of Object.entries(report.files)) {
    const original = readFileSync(file, 'utf8');
    if (original !== f.source) throw new Error(`${file} changed since the report was written: re-run npm run mutate first`);
    const restore = () => writeFileSync(file, original);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        restore();
        process.exit(130);
      });
    }
    try {
      for (const m of f.mutants) {
        if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
        const from = offsetOf(original, m.location.start);
        const to = offsetOf(original, m.location.end);
        const testFiles = [...new Set((m.coveredBy ?? []).map((id) => testFileOf.get(id)).filter((x): x is string => x !== undefined))];
        let verdict: Recheck['verdict'] = 'survived';
        if (testFiles.length > 0) {
          writeFileSync(file, original.slice(0, from) + (m.replacement ?? '') + original.slice(to));
          try {
            execFileSync('npx', ['vitest', 'run', '--config', 'vitest.stryker.config.ts', '--bail', '1', ...testFiles], { stdio: 'ignore', timeout: 600_000 });
          } catch {
            verdict = 'killed';
          } finally {
            restore();
          }
        }
        const r: Recheck = {
          file,
          line: m.location.start.line,
          column: m.location.start.column,
          mutator: m.mutatorName,
          replacement: (m.replacement ?? '').slice(0, 80),
          original: original.slice(from, Math.min(to, from + 80)),
          strykerStatus: m.status,
          verdict,
          testFiles,
        };
        results.push(r);
        console.log(`${r.verdict === 'killed' ? 'KILLED  ' : 'SURVIVES'} ${file}:${r.line}:${r.column} ${r.mutator}: ${JSON.stringify(r.original)} -> ${JSON.stringify(r.replacement)}`);
      }
    } finally {
      restore();
    }
  }
  if (out !== undefined) writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const survived = results.filter((r) => r.verdict === 'survived').length;
  console.log(`${results.length} reported survivors re-checked: ${results.length - survived} killed by the suite, ${survived} survive`);
}

main();
