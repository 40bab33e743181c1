/**
 * `vtl2-persist compat`: the schema-version matrix. Each shipped writer
 * version writes the default servicing save, each reader version decodes every
 * payload, and the 3×3 table shows what each reader found and the sidecar
 * start-up its boot shim derives (see src/sim/compat.ts).
 */
import { SCHEMA_FIELDS } from '../format/schema-versions.js';
import { compatReport, type CompatCell, type CompatListCell, type CompatReport } from '../sim/compat.js';
import { parseCommandArgs } from './args.js';
import { colourOn, runGuarded, type Io } from './io.js';
import { printJson, printLines } from './kit/output.js';
import { maxOf, table } from './text.js';

/** The command's help text. */
export const COMPAT_USAGE = `Usage: vtl2-persist compat [--json]

Writes one servicing save with the writer of each shipped payload schema
version, decodes every payload with the reader of each version, and prints the
3x3 writer x reader table: whether the reader decoded it, what it found in each
CPU-list field it knows (missing, empty or the CPUs), which fields it ignored,
and the sidecar start-up its boot shim derives on restore.

Schema versions (docs/format.md, "The payload: a protobuf SavedState"):
  v1  fields 1-2: partition_memory, partition_mmio
  v2  + field 3 cpus_with_mapped_interrupts: every CPU with mapped interrupts
  v3  field 3 renamed cpus_with_mapped_interrupts_no_io (only the CPUs without
      outstanding IO) + field 4 cpus_with_outstanding_io

The save: cpu_count 8; NVMe queues on CPUs 1, 2 and 5 have mapped interrupts
and CPU 2's queue has outstanding IO; the #2438 cpu_threshold is its default
100; fields 1-2 are worked example A's memory map.

Options:
  --json    Print {scenario, writers, matrix}; matrix[w-1][r-1] is the payload
            of writer vw read by reader vr.
  -h, --help

Exit codes: 0 every reader decoded every payload and read the memory map back
intact, 1 otherwise, 2 a usage error.`;

/** Runs `vtl2-persist compat` with `argv` (the arguments after `compat`); returns the exit code. */
export function runCompat(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'compat', () => {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, false);
    if (values.help) return void io.stdout.write(`${COMPAT_USAGE}\n`), 0;
    const report = compatReport();
    if (values.json) printJson(io.stdout, compatJson(report));
    else printLines(io.stdout, [compatText(report, colourOn(io) ? COLOUR : PLAIN)]);
    return report.matrix.flat().every((c) => c.ok && c.memoryMapIntact) ? 0 : 1;
  });
}

const hexBytes = (bytes: Uint8Array, sep = '') => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(sep);

/** The `--json` shape: snake_case, CPU ids as numbers, payloads as hex. */
export function compatJson(report: CompatReport) {
  const s = report.scenario;
  return {
    scenario: {
      cpu_count: s.cpuCount,
      cpu_threshold: s.cpuThreshold,
      mapped_interrupt_cpus: s.mappedInterruptCpus,
      outstanding_io_cpus: s.outstandingIoCpus,
      partition_memory_entries: s.partitionMemory.length,
      partition_mmio_entries: s.partitionMmio.length,
    },
    writers: report.writers.map((w) => ({
      version: w.version,
      fields: SCHEMA_FIELDS[w.version].map((f) => f.name),
      payload_len: w.payload.length,
      payload_hex: hexBytes(w.payload),
      cpu_fields_hex: hexBytes(w.cpuFields),
    })),
    matrix: report.matrix.map((row) =>
      row.map((c) => ({
        writer: c.writer,
        reader: c.reader,
        decode: c.ok ? 'ok' : 'failed',
        error: c.error,
        memory_map_intact: c.memoryMapIntact,
        lists: c.lists.map((l) => ({
          field: l.field,
          name: l.name,
          status: l.status,
          values: l.values,
          occurrences: l.occurrences,
          writer: l.writer,
          reinterpreted: l.reinterpreted,
        })),
        ignored: c.ignored.map((i) => ({ field: i.field, occurrences: i.occurrences, bytes: i.bytes })),
        sidecar: c.sidecar && { rule: c.sidecar.rule, list: c.sidecar.list, action: c.sidecar.action },
      })),
    ),
  };
}

/** Colour styles; identity functions when colour is off. */
interface Styles {
  red: (s: string) => string;
  yellow: (s: string) => string;
  green: (s: string) => string;
  dim: (s: string) => string;
}

const PLAIN: Styles = { red: (s) => s, yellow: (s) => s, green: (s) => s, dim: (s) => s };
const sgr = (code: number) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
const COLOUR: Styles = { red: sgr(31), yellow: sgr(33), green: sgr(32), dim: sgr(2) };

const cpus = (list: readonly number[]) => list.join(',');
const cpuNoun = (list: readonly number[]) => (list.length === 0 ? 'no CPU' : `${list.length === 1 ? 'CPU' : 'CPUs'} ${cpus(list)}`);

/** A CPU-list field in a cell: `f3 [1,5]`, `f3 ~[1,2,5]`, `f3 missing`, `f3 missing*` or `f3 empty`. */
function listText(l: CompatListCell): string {
  if (l.status === 'values') return `f${l.field} ${l.reinterpreted ? '~' : ''}[${cpus(l.values)}]`;
  if (l.status === 'empty') return `f${l.field} empty`;
  return `f${l.field} missing${l.writer === 'omitted_empty' ? '*' : ''}`;
}

/** A cell's lines, each paired with its style (applied after padding). */
function cellLines(c: CompatCell, st: Styles, footnote: number): [string, (s: string) => string][] {
  if (!c.ok) return [[`decode FAILED [${footnote}]`, st.red]];
  const plain = (s: string) => s;
  const lines: [string, (s: string) => string][] = [[c.memoryMapIntact ? 'ok' : 'ok, map differs', c.memoryMapIntact ? plain : st.red]];
  for (const l of c.lists) lines.push([listText(l), plain]);
  if (c.ignored.length > 0) lines.push([`ignored ${c.ignored.map((i) => `f${i.field}`).join(' ')}`, st.dim]);
  const sc = c.sidecar!;
  if (sc.action === 'per_cpu_exclusion') lines.push([`→ exclude ${cpus(sc.list)}`, st.green]);
  else lines.push([`→ ${sc.action}`, sc.action === 'DisabledServicing' ? st.yellow : plain]);
  return lines;
}

/** The human output: scenario, table, payloads, legend (and decode errors, if any). */
export function compatText(report: CompatReport, st: Styles = PLAIN): string {
  const s = report.scenario;
  const failures: string[] = [];
  const header = ['writer \\ reader', ...report.writers.map((w) => `v${w.version} reader`)];
  const rows = report.matrix.map((row, i) => [
    [[`v${report.writers[i]!.version} writer`, (x: string) => x] as [string, (s: string) => string]],
    ...row.map((c) => {
      if (!c.ok) failures.push(`[${failures.length + 1}] v${c.writer} writer, v${c.reader} reader: ${c.error}`);
      return cellLines(c, st, failures.length);
    }),
  ]);
  const widths = header.map((h, col) => maxOf(rows.flatMap((r) => r[col]!.map(([t]) => t.length)), h.length));
  const line = (cells: string[]) => `  ${cells.map((t, col) => (col === cells.length - 1 ? t : t.padEnd(widths[col]!))).join('  ')}`.trimEnd();
  const rule = `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`;
  const grid = [line(header)];
  for (const r of rows) {
    grid.push(rule);
    const height = maxOf(r.map((cell) => cell.length));
    for (let k = 0; k < height; k++) {
      grid.push(
        line(
          r.map((cell, col) => {
            const [text, style] = cell[k] ?? ['', (x: string) => x];
            // Pad first, then style, so escape codes do not upset the widths.
            const padded = col === r.length - 1 ? text : text.padEnd(widths[col]!);
            return text === '' ? padded : style(text) + padded.slice(text.length);
          }),
        ),
      );
    }
  }
  const mapLength = report.writers[0]!.payload.length - report.writers[0]!.cpuFields.length;
  const threshold = s.cpuThreshold === null ? 'None (always)' : String(s.cpuThreshold);
  const out = [
    'Schema-version compatibility: writer (rows) x reader (columns)',
    `Save: cpu_count ${s.cpuCount}; mapped interrupts on ${cpuNoun(s.mappedInterruptCpus)}; ` +
      `outstanding IO on ${cpuNoun(s.outstandingIoCpus)}; #2438 cpu_threshold ${threshold}`,
    '',
    ...grid,
  ];
  if (failures.length > 0) out.push('', 'Decode failures (the boot shim panics "failed to decode protobuf"):', ...failures.map((f) => `  ${f}`));
  out.push(
    '',
    `Payloads (fields 1-2 are the same ${mapLength}-byte memory map from every writer):`,
    table(
      ['writer', 'bytes', 'CPU fields on the wire'],
      report.writers.map((w) => [`v${w.version}`, String(w.payload.length), w.cpuFields.length === 0 ? 'none' : hexBytes(w.cpuFields, ' ')]),
    ),
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
    '  ~            field 3 read with the other version\'s meaning: a v2 writer lists every',
    '               CPU with mapped interrupts, which a v3 reader takes as "no outstanding',
    '               IO"; a v3 writer lists only those without outstanding IO, which a v2',
    '               reader takes as every CPU with mapped interrupts',
    "  ignored f4   not in the reader's schema; mesh skips it by wire type",
    "  → ...        the sidecar start-up the reader's boot shim derives on restore:",
    '                 v1 reader (before #2438): no rule, unchanged',
    '                 v2 reader (#2438): DisabledServicing if field 3 is non-empty and',
    s.cpuThreshold === null
      ? '                   cpu_threshold is None (always), else unchanged'
      : `                   cpu_count < cpu_threshold (${s.cpuCount} < ${s.cpuThreshold}), else unchanged`,
    '                 v3 reader (HEAD, #3706): the union of fields 3 and 4; "exclude" = those',
    '                   CPUs are started by the kernel, not sidecar; unchanged if empty',
  );
  return out.join('\n');
}
