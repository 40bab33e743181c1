/**
 * `vtl2-persist evolve NEW.rs|NEW.proto [--against LIST]`: checks a proposed saved-state schema
 * against every shipped reader before it ships (src/sim/evolve): the rules as findings, payloads
 * written by each side and read by the other, and the emulated boot shim on the proposed save.
 *
 * Exit codes: 0 compatible, 1 not compatible, 2 a usage error or an unreadable schema.
 */
import { displayName, badInput, readText, runGuarded, usage, type Io } from './io.js';
import { parseCommandArgs, parseSeed, parseUint, seedMessage } from './args.js';
import { printJson, printLines } from './kit/output.js';
import { tableLines } from './text.js';
import { evolveReport, shippedSchemas, type EvolveFinding, type EvolveReport } from '../sim/evolve/report.js';
import { SchemaError } from '../format/model/schema-error.js';
import { MAX_SCHEMA_BYTES, loadSchemaText } from '../sim/evolve/shipped.js';
import type { NamedSchema, Direction } from '../sim/evolve/execution.js';
import type { BootCell } from '../sim/evolve/boot.js';

/** `vtl2-persist evolve --help`. */
export const EVOLVE_USAGE = `Usage: vtl2-persist evolve NEW.rs|NEW.proto [--against LIST] [--root NAME]
                          [--seed N] [--random N] [--json]

Checks a proposed change to mesh_protobuf saved state against older schemas
before it ships, three ways:

  rules      every save-state rule it breaks, as a finding with a stable id,
             a severity (error, warning, notice), the field and a one-line fix
  execution  payloads written with the proposal (every field unset, each
             field set alone to an edge value, all set, random ones) read by
             each older schema, and payloads of each older schema read by the
             proposal: accepted (with what was dropped, defaulted or read as
             another value) or rejected with mesh_protobuf's error
  boot       for a SavedState proposal: the demo VM serviced once per writer,
             its payload read by the shipped openhcl_boot and, when the
             proposal only adds fields to v3, by a boot shim built from it

NEW is the save_restore module as Rust source (structs and enums with
#[derive(Protobuf)], #[mesh(N)] and #[mesh(package = "...")]), or a .proto
as mesh generates it (then some rules cannot tell Option from a plain type).
The shipped SavedState versions are in the package's schema/ folder.

Options:
  --against LIST  Comma-separated older schemas: v1, v2, v3 (the shipped
                  SavedState versions) or files (.rs or .proto). Default
                  v1,v2,v3.
  --root NAME     The root type (default SavedState).
  --seed N        Seed of the random payloads (default 1); the same seed
                  gives the same report.
  --random N      Random payloads per writer and direction (default 16, at
                  most 1000).
  --json          Print {compatible, findings, comparisons, boot}.
  -h, --help

Exit codes: 0 compatible, 1 not compatible (any error finding, any rejected
payload, or a shipped-boot panic), 2 a usage error or an unreadable schema.`;

const SHIPPED_LABELS = ['v1', 'v2', 'v3'] as const;

/** Runs `vtl2-persist evolve` with `argv` (the arguments after `evolve`); returns the exit code. */
export function runEvolve(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'evolve', () => {
    const { values, positionals } = parseCommandArgs(argv, {
      against: { type: 'string' },
      root: { type: 'string' },
      seed: { type: 'string' },
      random: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) return void io.stdout.write(`${EVOLVE_USAGE}\n`), 0;
    if (positionals.length !== 1) throw usage(positionals.length === 0 ? 'name the proposed schema file (NEW.rs or NEW.proto)' : `one proposed schema at a time (got ${positionals.length} files)`);
    const seed = values.seed === undefined ? 1 : parseSeed(values.seed);
    if (seed === undefined) throw usage(seedMessage(values.seed!));
    const random = values.random === undefined ? 16 : parseUint(values.random, 1000);
    if (random === undefined) throw usage(`--random must be a whole number from 0 to 1000 (got ${JSON.stringify(values.random)})`);
    const root = values.root;
    const proposed = readSchema(positionals[0]!, io, root, 'proposed');
    const against = (values.against ?? 'v1,v2,v3').split(',').map((s) => s.trim());
    if (against.some((a) => a === '')) throw usage(`--against takes a comma-separated list of v1, v2, v3 or schema files (got ${JSON.stringify(values.against)})`);
    const older: NamedSchema[] = against.map((a) =>
      (SHIPPED_LABELS as readonly string[]).includes(a) ? shippedSchemas([a as 'v1' | 'v2' | 'v3'])[0]! : readSchema(a, io, root, displayName(a)),
    );
    const report = evolveReport(proposed, older, { seed, random });
    if (values.json) printJson(io.stdout, evolveJson(report));
    else printLines(io.stdout, evolveText(report, displayName(positionals[0]!), against));
    return report.compatible ? 0 : 1;
  });
}

function readSchema(file: string, io: Io, root: string | undefined, label: string): NamedSchema {
  const text = readText(file, io, { cap: MAX_SCHEMA_BYTES, what: 'a schema file', hint: 'a saved-state module is a few KiB' });
  try {
    return { label, model: loadSchemaText(text, displayName(file), root) };
  } catch (e) {
    if (e instanceof SchemaError) throw badInput(e.message);
    throw e;
  }
}

/** The `--json` document: snake_case keys, payloads as hex. */
export function evolveJson(r: EvolveReport) {
  return {
    compatible: r.compatible,
    findings: r.findings.map(findingJson),
    comparisons: r.comparisons.map((c) => ({ against: c.against, forward: directionJson(c.forward), backward: directionJson(c.backward) })),
    boot: {
      ran: r.boot.ran,
      reason: r.boot.reason,
      cells: r.boot.cells.map((c) => ({
        writer: c.writer,
        reader: c.reader,
        path: c.path,
        detail: c.detail,
        ...(c.restoredMatches !== undefined && { restored_matches: c.restoredMatches }),
        payload_hex: c.payloadHex,
      })),
    },
  };
}

function findingJson(f: EvolveFinding) {
  return {
    id: f.id,
    severity: f.severity,
    against: f.against,
    field: f.field,
    number: f.number,
    message: f.message,
    fix: f.fix,
    ...(f.evidence && { evidence: { direction: f.evidence.direction, ...exampleJson(f.evidence.example) } }),
  };
}

function exampleJson(e: Direction['examples'][number]) {
  const o = e.outcome;
  return {
    payload: e.label,
    payload_hex: e.payloadHex,
    accepted: o.accepted,
    ...(o.error && { error: o.error }),
    dropped: o.dropped,
    defaulted: o.defaulted,
    changed: o.changed,
  };
}

function directionJson(d: Direction) {
  return {
    writer: d.writer,
    reader: d.reader,
    payloads: d.payloads,
    accepted: d.accepted,
    rejected: d.rejected,
    dropped: d.dropped,
    defaulted: d.defaulted,
    changed: d.changed,
    examples: d.examples.map(exampleJson),
  };
}

/** The human report. */
export function evolveText(r: EvolveReport, file: string, against: readonly string[]): string[] {
  const lines = [`evolve ${file} against ${against.join(', ')}: ${r.compatible ? 'COMPATIBLE' : 'NOT COMPATIBLE'}`, ''];
  lines.push(r.findings.length === 0 ? 'Findings: none' : `Findings (${r.findings.length}):`);
  for (const f of r.findings) {
    lines.push(`  ${f.severity.toUpperCase().padEnd(7)} ${f.id}  ${f.field}${f.number > 0 ? ` (#${f.number})` : ''}  [against ${f.against}]`);
    lines.push(`          ${f.message}`);
    lines.push(`          fix: ${f.fix}`);
    if (f.evidence) {
      const e = f.evidence.example;
      lines.push(`          payload (${f.evidence.direction}, ${e.label}): ${short(e.payloadHex)}`);
      lines.push(`          -> ${outcomeText(e.outcome)}`);
    }
  }
  lines.push('', 'Execution (payloads written by one side, read by the other):');
  lines.push(
    ...tableLines(
      ['writer', 'reader', 'payloads', 'accepted', 'rejected', 'what the reader lost or changed'],
      r.comparisons.flatMap((c) => [c.forward, c.backward]).map((d) => [d.writer, d.reader, String(d.payloads), String(d.accepted), String(d.rejected), lossText(d)]),
    ),
  );
  for (const d of r.comparisons.flatMap((c) => [c.forward, c.backward])) {
    const rejected = d.examples.find((e) => !e.outcome.accepted);
    if (rejected) lines.push(`  ${d.writer} -> ${d.reader} rejects "${rejected.label}" ${short(rejected.payloadHex)}: ${outcomeText(rejected.outcome)}`);
  }
  lines.push('');
  if (!r.boot.ran) lines.push(`Boot: skipped (${r.boot.reason})`);
  else {
    lines.push(`Boot (the demo VM serviced once per writer; ${r.boot.reason}):`);
    lines.push(...tableLines(['writer', 'reader', 'result'], r.boot.cells.map((c) => [c.writer, c.reader, bootText(c).split('\n')[0]!])));
    // A panic text can run over several lines (assert_eq! prints both sides); the table shows
    // its first, and the whole text follows.
    for (const c of r.boot.cells.filter((x) => bootText(x).includes('\n'))) {
      lines.push(`  ${c.writer} / ${c.reader}, the whole panic:`, ...bootText(c).split('\n').map((l) => `    ${l}`));
    }
  }
  return lines;
}

function outcomeText(o: Direction['examples'][number]['outcome']): string {
  if (!o.accepted) return `rejected: ${o.error!.message} at offset ${o.error!.offset}${o.error!.path === '' ? '' : ` (${o.error!.path})`}`;
  const parts = ['accepted'];
  if (o.dropped.length > 0) parts.push(`dropped ${o.dropped.join(', ')}`);
  if (o.defaulted.length > 0) parts.push(`defaulted ${o.defaulted.join(', ')}`);
  if (o.changed.length > 0) parts.push(`read differently ${o.changed.slice(0, 3).map((c) => `${c.path}: wrote ${c.wrote}, read ${c.read}`).join('; ')}`);
  return parts.join('; ');
}

function lossText(d: Direction): string {
  const parts: string[] = [];
  if (d.dropped.length > 0) parts.push(`dropped ${d.dropped.join(', ')}`);
  if (d.defaulted.length > 0) parts.push(`defaulted ${d.defaulted.join(', ')}`);
  if (d.changed.length > 0) parts.push(`changed ${d.changed.join(', ')}`);
  return parts.length === 0 ? 'nothing' : parts.join('; ');
}

function bootText(c: BootCell): string {
  if (c.path === 'persisted') return `restored${c.restoredMatches === false ? ', but NOT as the first boot had it' : ' (as the first boot had it)'}`;
  if (c.path === 'host') return `fell back to the host (${c.detail})`;
  return `openhcl_boot would panic: ${c.detail}`;
}

const short = (hex: string) => (hex.length <= 96 ? hex : `${hex.slice(0, 96)}… (${hex.length / 2} bytes)`);
