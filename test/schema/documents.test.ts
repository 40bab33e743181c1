import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { savedStateFromJson } from '../../src/format/state-json.js';
import { runScenario } from '../../src/sim/runner.js';
import { parseScenarioFileText } from '../../src/sim/scenario-file.js';
import { loadBootVectors } from '../support/vectors.js';
import { REPO_ROOT, errorText, loadSchema, validateSavedState, validateScenarioFile, validateSimulateOutput, validateStepResult } from './validators.js';

// Every document the project ships or produces must satisfy its schema: the examples, every
// vector's input and expected results, and what `simulate --json` prints for all of them.
// (The output is JSON.stringify of runScenario's results, exactly as src/cli/simulate.ts writes it.)

const [{ vectors: worked }, { vectors: generated }] = loadBootVectors();
const vectors = [...worked, ...generated];
const EXAMPLES = `${REPO_ROOT}docs/examples/`;
const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
const read = (f: string): unknown => JSON.parse(readFileSync(`${EXAMPLES}${f}`, 'utf8'));
const isSavedState = (f: string) => f === 'state.json';

/** What `simulate --json FILE` prints for one file's text, parsed back. */
const simulateJson = (text: string, file: string): unknown =>
  JSON.parse(JSON.stringify(parseScenarioFileText(text, file).map((s) => runScenario(s)), null, 2));

describe('the schemas themselves', () => {
  test.each(['scenario', 'result', 'saved-state'] as const)('%s: draft 2020-12, $id, title, and a description on every property', (name) => {
    const schema = loadSchema(name);
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toMatch(new RegExp(`/schema/${name}\\.schema\\.json$`));
    expect(typeof schema['title']).toBe('string');
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o['properties'] !== undefined && !path.endsWith('/if')) {
        for (const [key, sub] of Object.entries(o['properties'] as Record<string, Record<string, unknown>>)) {
          if (typeof sub['description'] !== 'string') missing.push(`${path}/properties/${key}`);
        }
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${path}/${k}`);
    };
    walk(schema, '#');
    expect(missing).toEqual([]);
  });
});

describe('docs/examples', () => {
  test('there are examples, and each names its schema by a relative path', () => {
    expect(examples.length).toBeGreaterThan(1);
    for (const f of examples) {
      const want = isSavedState(f) ? '../../schema/saved-state.schema.json' : '../../schema/scenario.schema.json';
      expect((read(f) as Record<string, unknown>)['$schema'], f).toBe(want);
    }
  });

  test.each(examples)('%s validates against its schema and is read by the library', (f) => {
    const value = read(f);
    if (isSavedState(f)) {
      expect(validateSavedState(value), errorText(validateSavedState.errors)).toBe(true);
      expect(() => savedStateFromJson(value)).not.toThrow();
    } else {
      expect(validateScenarioFile(value), errorText(validateScenarioFile.errors)).toBe(true);
      const out = simulateJson(readFileSync(`${EXAMPLES}${f}`, 'utf8'), f);
      expect(validateSimulateOutput(out), errorText(validateSimulateOutput.errors)).toBe(true);
    }
  });

  test('torn-save.json: every saved CPU exists in its VM', () => {
    const s = read('torn-save.json') as { host_dt: { cpu_count: number }; lifecycle: Record<string, unknown>[] };
    const cpus = s.lifecycle.flatMap((step) => [
      ...((step['cpus_with_mapped_interrupts_no_io'] as number[] | undefined) ?? []),
      ...((step['cpus_with_outstanding_io'] as number[] | undefined) ?? []),
    ]);
    expect(cpus.length).toBeGreaterThan(0);
    for (const cpu of cpus) expect(cpu).toBeLessThan(s.host_dt.cpu_count);
  });
});

describe('every vector', () => {
  let steps = 0;
  test.each(vectors.map((v) => [v.name, v] as const))('%s: input, expected steps and our output validate', (_name, v) => {
    expect(validateScenarioFile(v.input), errorText(validateScenarioFile.errors)).toBe(true);
    for (const [i, step] of v.expected.steps.entries()) {
      expect(validateStepResult(step), `expected.steps[${i}]:\n${errorText(validateStepResult.errors)}`).toBe(true);
      steps++;
    }
    const out = simulateJson(JSON.stringify(v.input), `${v.name}.json`);
    expect(validateSimulateOutput(out), errorText(validateSimulateOutput.errors)).toBe(true);
  });

  test('the vectors covered every kind of step result', () => {
    const kinds = new Set(
      vectors.flatMap((v) => v.expected.steps.map((s) => `${String(s['op'])}/${String(s['path'] ?? ('error' in s ? 'error' : 'ok'))}`)),
    );
    expect([...kinds].sort()).toEqual(['boot/host', 'boot/panic', 'boot/persisted', 'corrupt/ok', 'save/error', 'save/ok']);
    expect(steps).toBeGreaterThan(500);
  });
});

describe('the result schema is not vacuous', () => {
  const a = worked.find((v) => v.name === 'A')!;
  const [out] = simulateJson(JSON.stringify(a.input), 'A.json') as { name: string; steps: Record<string, unknown>[] }[];
  const mutants: [string, (s: Record<string, unknown>[]) => void][] = [
    ['a boot without vtl2_ram', (s) => delete s[0]!['vtl2_ram']],
    ['an unknown sidecar_action', (s) => (s[0]!['sidecar_action'] = 'maybe')],
    ['an uppercase hex address', (s) => ((s[0]!['pool_ranges'] as { start: string }[])[0]!.start = '0xBE00000')],
    ['an unknown key on a boot', (s) => (s[0]!['extra'] = 1)],
    ['a save without payload_hex', (s) => delete s[1]!['payload_hex']],
    ['odd-length payload hex', (s) => (s[1]!['payload_hex'] = 'abc')],
    ['an unknown op', (s) => (s[1]!['op'] = 'snapshot')],
    ['a panic result with an unknown panic_kind', (s) => Object.assign(s[0]!, { path: 'panic', attempted_path: 'host', panic: 'x', panic_first_line: 'x', panic_kind: 'oops' })],
  ];
  test('the unmutated output validates', () => {
    expect(validateSimulateOutput([out]), errorText(validateSimulateOutput.errors)).toBe(true);
  });
  test.each(mutants)('rejects %s', (_what, mutate) => {
    const copy = structuredClone(out!);
    mutate(copy.steps);
    expect(validateSimulateOutput([copy])).toBe(false);
  });
});

describe('docs/scenario-format.md anchors', () => {
  const doc = readFileSync(`${REPO_ROOT}docs/scenario-format.md`, 'utf8');
  /** GitHub's heading slugs: lower case, punctuation other than - and _ dropped, spaces to -. */
  const slugs = new Set(
    [...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-')),
  );
  const schemaText = ['scenario', 'result', 'saved-state'].map((n) => readFileSync(`${REPO_ROOT}schema/${n}.schema.json`, 'utf8')).join('\n');
  const wanted = new Set([
    ...[...schemaText.matchAll(/scenario-format\.md#([\w-]+)/g)].map((m) => m[1]!),
    ...[...doc.matchAll(/\]\(#([\w-]+)\)/g)].map((m) => m[1]!),
  ]);
  test('every anchor the schemas and the page link to is a heading of the page', () => {
    expect(wanted.size).toBeGreaterThan(15);
    expect([...wanted].filter((a) => !slugs.has(a))).toEqual([]);
  });
  test('the panic-kinds table lists every PanicKind the result schema allows, once', () => {
    const kinds = ((loadSchema('result')['$defs'] as Record<string, { properties: Record<string, { enum?: string[] }> }>)['bootPanic']!.properties['panic_kind']!.enum)!;
    const section = doc.slice(doc.indexOf('## Panic kinds'), doc.indexOf('## Exit codes'));
    const rows = [...section.matchAll(/^\| `([a-z0-9_]+)`(?: \/ `([a-z0-9_]+)`)? \|/gm)].flatMap((m) => [m[1]!, ...(m[2] === undefined ? [] : [m[2]])])
      .filter((k) => k !== 'panic_kind'); // the header row
    expect([...rows].sort()).toEqual([...kinds].sort());
  });
});
