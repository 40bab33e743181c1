import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { COMPAT_USAGE, compatText, runCompat } from '../../src/cli/compat.js';
import { encodeSavedState } from '../../src/format/encode.js';
import { compatMatrix, compatReport, defaultCompatScenario, type CompatCell } from '../../src/sim/compat.js';

// Runs `compat` as a user would: a separate node process, real argv, exit code and streams.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
function compat(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      "import('./src/cli/compat.ts').then(m => process.exitCode = m.runCompat(process.argv.slice(1), {stdout: process.stdout, stderr: process.stderr}))",
      '--',
      ...args,
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The default scenario, and why each cell is what it is.
//
// The save: cpu_count 8; NVMe queues on CPUs 1, 2, 5, so those have mapped
// interrupts; only CPU 2's queue has commands in flight. So the writers write:
//   v1: fields 1-2 only (no CPU fields exist in v1).
//   v2: field 3 = every mapped CPU = [1,2,5]     -> 1a 03 01 02 05
//   v3: field 3 = mapped minus outstanding = [1,5] -> 1a 02 01 05
//       field 4 = outstanding = [2]                -> 22 01 02
// Fields 1-2 are worked example A's map (13 memory + 3 MMIO entries, 324 bytes),
// so the payloads are 324, 329 (324+5) and 331 (324+4+3) bytes.
//
// The readers:
//   v1 knows no CPU field: it skips 3 and 4 ("ignored") and has no sidecar rule -> unchanged.
//   v2 (#2438) knows field 3 only: DisabledServicing when it is non-empty and
//      cpu_count 8 < cpu_threshold 100, else unchanged.
//   v3 (HEAD #3706) knows 3 and 4: the union drives a per-CPU exclusion
//      (8 CPUs <= 400 and every id < 400).
//
// Row v1 writer: nothing about CPUs is on the wire, so v2 and v3 see their
//   fields "missing" (the writer's schema predates them) and no reader changes sidecar.
// Row v2 writer: v1 ignores field 3 (5 bytes). v2 reads [1,2,5] non-empty with
//   8 < 100 -> DisabledServicing. v3 reads [1,2,5] as "no outstanding IO" (~,
//   a different meaning from the writer's), field 4 missing; union {1,2,5} -> exclude 1,2,5.
// Row v3 writer: v1 ignores 3 and 4. v2 reads field 3 = [1,5] as every mapped
//   CPU (~: CPU 2, the one with IO in flight, is not in it) and ignores field 4;
//   still non-empty and 8 < 100 -> DisabledServicing. v3 reads [1,5] and [2];
//   union {1,2,5} -> exclude 1,2,5: the same CPUs as from the v2 payload.
const EXPECTED_TABLE = [
  '  writer \\ reader  v1 reader      v2 reader            v3 reader',
  '  ---------------  -------------  -------------------  ---------------',
  '  v1 writer        ok             ok                   ok',
  '                   → unchanged    f3 missing           f3 missing',
  '                                  → unchanged          f4 missing',
  '                                                       → unchanged',
  '  ---------------  -------------  -------------------  ---------------',
  '  v2 writer        ok             ok                   ok',
  '                   ignored f3     f3 [1,2,5]           f3 ~[1,2,5]',
  '                   → unchanged    → DisabledServicing  f4 missing',
  '                                                       → exclude 1,2,5',
  '  ---------------  -------------  -------------------  ---------------',
  '  v3 writer        ok             ok                   ok',
  '                   ignored f3 f4  f3 ~[1,5]            f3 [1,5]',
  '                   → unchanged    ignored f4           f4 [2]',
  '                                  → DisabledServicing  → exclude 1,2,5',
];

const EXPECTED_HUMAN = [
  'Schema-version compatibility: writer (rows) x reader (columns)',
  'Save: cpu_count 8; mapped interrupts on CPUs 1,2,5; outstanding IO on CPU 2; #2438 cpu_threshold 100',
  '',
  ...EXPECTED_TABLE,
  '',
  'Payloads (fields 1-2 are the same 324-byte memory map from every writer):',
  '  writer  bytes  CPU fields on the wire',
  '  v1      324    none',
  '  v2      329    1a 03 01 02 05',
  '  v3      331    1a 02 01 05 22 01 02',
  '',
  'Legend:',
  '  ok           decoded, and fields 1-2 read back equal to what was written',
  '  f3, f4       field 3 (v2 cpus_with_mapped_interrupts, v3 renamed',
  '               cpus_with_mapped_interrupts_no_io) and field 4 (v3 cpus_with_outstanding_io);',
  '               a v1 reader knows neither',
  '  f3 [1,5]     the field is on the wire and lists these CPUs',
  "  f3 missing   no key for the field on the wire: the writer's schema predates it",
  "  f3 missing*  no key on the wire because the writer's list was empty: mesh omits an",
  '               empty packed list, so no reader can tell this from "missing"',
  '  f3 empty     the key is on the wire with no elements (1a 00); mesh reads [] as for',
  '               missing; no writer emits it, only a hand-made payload can',
  "  ~            field 3 read with the other version's meaning: a v2 writer lists every",
  '               CPU with mapped interrupts, which a v3 reader takes as "no outstanding',
  '               IO"; a v3 writer lists only those without outstanding IO, which a v2',
  '               reader takes as every CPU with mapped interrupts',
  "  ignored f4   not in the reader's schema; mesh skips it by wire type",
  "  → ...        the sidecar start-up the reader's boot shim derives on restore:",
  '                 v1 reader (before #2438): no rule, unchanged',
  '                 v2 reader (#2438): DisabledServicing if field 3 is non-empty and',
  '                   cpu_count < cpu_threshold (8 < 100), else unchanged',
  '                 v3 reader (HEAD, #3706): the union of fields 3 and 4; "exclude" = those',
  '                   CPUs are started by the kernel, not sidecar; unchanged if empty',
  '',
].join('\n');

// JSON building blocks for the same cells.
type ListStatus = 'missing' | 'empty' | 'values';
const list = (field: 3 | 4, name: string, status: ListStatus, values: number[], writer: string, reinterpreted = false) => ({
  field,
  name,
  status,
  values,
  occurrences: status === 'missing' ? 0 : 1,
  writer,
  reinterpreted,
});
const V2_F3 = 'cpus_with_mapped_interrupts';
const V3_F3 = 'cpus_with_mapped_interrupts_no_io';
const V3_F4 = 'cpus_with_outstanding_io';
const cell = (writer: number, reader: number, lists: object[], ignored: object[], sidecar: object) => ({
  writer,
  reader,
  decode: 'ok',
  error: null,
  memory_map_intact: true,
  lists,
  ignored,
  sidecar,
});
const none = { rule: 'none', list: [], action: 'unchanged' };

// Fields 1-2 of every payload: the v3 encoder (checked against the real mesh vectors elsewhere) on the scenario's map.
const s = defaultCompatScenario();
const MAP_HEX = Buffer.from(encodeSavedState({ ...s, cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] })).toString('hex');

const EXPECTED_JSON = {
  scenario: {
    cpu_count: 8,
    cpu_threshold: 100,
    mapped_interrupt_cpus: [1, 2, 5],
    outstanding_io_cpus: [2],
    partition_memory_entries: 13,
    partition_mmio_entries: 3,
  },
  writers: [
    { version: 1, fields: ['partition_memory', 'partition_mmio'], payload_len: 324, payload_hex: MAP_HEX, cpu_fields_hex: '' },
    { version: 2, fields: ['partition_memory', 'partition_mmio', V2_F3], payload_len: 329, payload_hex: `${MAP_HEX}1a03010205`, cpu_fields_hex: '1a03010205' },
    { version: 3, fields: ['partition_memory', 'partition_mmio', V3_F3, V3_F4], payload_len: 331, payload_hex: `${MAP_HEX}1a020105220102`, cpu_fields_hex: '1a020105220102' },
  ],
  matrix: [
    // v1 writer: no CPU field exists, so every known field is missing, "not_in_writer_schema".
    [
      cell(1, 1, [], [], none),
      cell(1, 2, [list(3, V2_F3, 'missing', [], 'not_in_writer_schema')], [], { rule: '#2438', list: [], action: 'unchanged' }),
      cell(1, 3, [list(3, V3_F3, 'missing', [], 'not_in_writer_schema'), list(4, V3_F4, 'missing', [], 'not_in_writer_schema')], [], {
        rule: '#3706',
        list: [],
        action: 'unchanged',
      }),
    ],
    // v2 writer: field 3 = [1,2,5] (5 bytes on the wire: key, length, three ids).
    [
      cell(2, 1, [], [{ field: 3, occurrences: 1, bytes: 5 }], none),
      cell(2, 2, [list(3, V2_F3, 'values', [1, 2, 5], 'written')], [], { rule: '#2438', list: [1, 2, 5], action: 'DisabledServicing' }),
      cell(2, 3, [list(3, V3_F3, 'values', [1, 2, 5], 'written', true), list(4, V3_F4, 'missing', [], 'not_in_writer_schema')], [], {
        rule: '#3706',
        list: [1, 2, 5],
        action: 'per_cpu_exclusion',
      }),
    ],
    // v3 writer: field 3 = [1,5] (4 bytes), field 4 = [2] (3 bytes).
    [
      cell(3, 1, [], [{ field: 3, occurrences: 1, bytes: 4 }, { field: 4, occurrences: 1, bytes: 3 }], none),
      cell(3, 2, [list(3, V2_F3, 'values', [1, 5], 'written', true)], [{ field: 4, occurrences: 1, bytes: 3 }], {
        rule: '#2438',
        list: [1, 5],
        action: 'DisabledServicing',
      }),
      cell(3, 3, [list(3, V3_F3, 'values', [1, 5], 'written'), list(4, V3_F4, 'values', [2], 'written')], [], {
        rule: '#3706',
        list: [1, 2, 5],
        action: 'per_cpu_exclusion',
      }),
    ],
  ],
};

describe('vtl2-persist compat (end to end)', () => {
  test('human output: the whole default table, payloads and legend, exactly', () => {
    const { code, stdout, stderr } = compat();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(EXPECTED_HUMAN);
  });

  test('--json: the whole default matrix, exactly', () => {
    const { code, stdout, stderr } = compat('--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(MAP_HEX.length).toBe(2 * 324);
    expect(JSON.parse(stdout)).toEqual(EXPECTED_JSON);
  });

  test.each([[['--help']], [['-h']], [['--json', '--help']]])('%j prints the usage and exits 0', (args) => {
    const { code, stdout, stderr } = compat(...args);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(`${COMPAT_USAGE}\n`);
    expect(stdout).toMatch(/^Usage: vtl2-persist compat \[--json\]/);
  });

  test.each([
    [['--bogus'], /unknown option "--bogus"/],
    [['extra'], /unexpected argument "extra" \(this command takes no FILE\)/],
  ])('%j is a usage error (exit 2, nothing on stdout)', (args, message) => {
    const { code, stdout, stderr } = compat(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toContain("Run 'vtl2-persist compat --help' for usage.");
  });

  test('no colour escapes when stdout is not a TTY', () => {
    const env = { ...process.env };
    delete env.NO_COLOR;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/cli/compat.ts').then(m => process.exitCode = m.runCompat([], process))"], {
      cwd: ROOT,
      encoding: 'utf8',
      env,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('\x1b[');
  });
});

describe('colour (in process)', () => {
  const saved = process.env.NO_COLOR;
  afterEach(() => {
    if (saved === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved;
  });
  const run = (isTTY: boolean) => {
    let out = '';
    const stdout = { isTTY, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
    const code = runCompat([], { stdout, stderr: stdout });
    return { code, out };
  };

  test('a TTY without NO_COLOR gets colour, and the plain text is unchanged under it', () => {
    delete process.env.NO_COLOR;
    const { code, out } = run(true);
    expect(code).toBe(0);
    expect(out).toContain('\x1b[33m→ DisabledServicing\x1b[0m');
    expect(out).toContain('\x1b[32m→ exclude 1,2,5\x1b[0m');
    expect(out.replace(/\x1b\[\d+m/g, '')).toBe(EXPECTED_HUMAN);
  });

  test.each(['1', ''])('NO_COLOR=%j on a TTY: no colour', (value) => {
    process.env.NO_COLOR = value;
    expect(run(true).out).toBe(EXPECTED_HUMAN);
  });
});

describe('compatMatrix on other scenarios (library)', () => {
  const at = (m: CompatCell[][], w: number, r: number) => m[w - 1]![r - 1]!;
  const actions = (m: CompatCell[][]) => m.map((row) => row.map((c) => c.sidecar?.action));

  test('default scenario: the same actions as the table above', () => {
    expect(actions(compatMatrix())).toEqual([
      ['unchanged', 'unchanged', 'unchanged'],
      ['unchanged', 'DisabledServicing', 'per_cpu_exclusion'],
      ['unchanged', 'DisabledServicing', 'per_cpu_exclusion'],
    ]);
  });

  test('no outstanding IO: the v3 writer omits its empty field 4, which v3 reads as missing (marked *)', () => {
    const report = compatReport({ outstandingIoCpus: [] });
    const c = at(report.matrix, 3, 3);
    expect(c.lists.map((l) => [l.status, l.writer])).toEqual([
      ['values', 'written'],
      ['missing', 'omitted_empty'],
    ]);
    // On the wire it is the same as a v2 payload with the same list: only the writer knows why field 4 is absent.
    expect(report.writers[1]!.cpuFields).toEqual(report.writers[2]!.cpuFields);
    expect(compatText(report)).toContain('f4 missing*');
  });

  test('no CPU with mapped interrupts: every writer writes the same bytes; nobody touches sidecar', () => {
    const report = compatReport({ mappedInterruptCpus: [], outstandingIoCpus: [] });
    expect(new Set(report.writers.map((w) => Buffer.from(w.payload).toString('hex'))).size).toBe(1);
    expect(actions(report.matrix).flat()).toEqual(Array(9).fill('unchanged'));
    expect(at(report.matrix, 1, 3).lists.map((l) => l.writer)).toEqual(['not_in_writer_schema', 'not_in_writer_schema']);
    expect(at(report.matrix, 3, 3).lists.map((l) => l.writer)).toEqual(['omitted_empty', 'omitted_empty']);
  });

  test('#2438 threshold: 128 CPUs >= 100 leaves sidecar alone; a threshold of None always disables it', () => {
    expect(actions(compatMatrix({ cpuCount: 128 }))[1]).toEqual(['unchanged', 'unchanged', 'per_cpu_exclusion']);
    expect(actions(compatMatrix({ cpuCount: 128, cpuThreshold: null }))[1]).toEqual(['unchanged', 'DisabledServicing', 'per_cpu_exclusion']);
  });

  test('HEAD rule beyond the 400-entry override array: DisabledServicing', () => {
    const m = compatMatrix({ cpuCount: 512, mappedInterruptCpus: [1, 450], outstandingIoCpus: [] });
    expect(at(m, 3, 3).sidecar).toEqual({ rule: '#3706', list: [1, 450], action: 'DisabledServicing' });
  });

  test('a CPU with outstanding IO but not listed as mapped is mapped too (an IO queue has a mapped interrupt)', () => {
    const m = compatMatrix({ mappedInterruptCpus: [1], outstandingIoCpus: [3] });
    expect(at(m, 2, 2).lists[0]!.values).toEqual([1, 3]);
    expect(at(m, 3, 3).lists.map((l) => l.values)).toEqual([[1], [3]]);
  });
});
