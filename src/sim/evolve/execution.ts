/**
 * `evolve`'s execution: payloads written with one schema and read with another through the
 * generic mesh codec, in both directions, and what each reader did with them: accepted (and
 * what it dropped, defaulted or read as a different value) or rejected with mesh's error. The
 * findings of `rules.ts` say what should happen; this shows, with bytes, what does.
 */
import { DecodeError, EncodeError } from '../../format/codec-error.js';
import { decodeValue } from '../../format/model/generic-decode.js';
import { encodeValue } from '../../format/model/generic-encode.js';
import type { GenericValue } from '../../format/model/generic-value.js';
import { typeOf, type SchemaModel, type StructDef, type TypeRef } from '../../format/model/model.js';
import { fieldsByNumber, type Probe } from './payloads.js';

/** What one reader did with one payload. */
export interface ReadOutcome {
  /** Whether the reader decoded it. */
  accepted: boolean;
  /** The mesh error of a rejected payload. */
  error?: ReadError;
  /** Fields the writer wrote and the reader skipped as unknown, in the writer's names. */
  dropped: string[];
  /** Fields the reader knows, the writer's schema lacks, and the reader therefore defaulted. */
  defaulted: string[];
  /** Values the reader got differently from what the writer wrote. */
  changed: ChangedValue[];
}

/** Why a reader rejected a payload: the generic decoder's `DecodeError`. */
export interface ReadError {
  /** The stable code (`missing_enum_variant`, `expected_varint`, …). */
  code: string;
  /** mesh_protobuf's text for it. */
  message: string;
  /** Byte offset where decoding stopped. */
  offset: number;
  /** Field path in the reader's proto names. */
  path: string;
}

/** A value the reader got differently from what the writer wrote. */
export interface ChangedValue {
  /** The field path in the reader's names, with list indices. */
  path: string;
  /** What the writer wrote, as {@link show} prints it. */
  wrote: string;
  /** What the reader got. */
  read: string;
}

/** One payload and what the reader made of it. */
export interface Example {
  /** Which probe wrote it (`unset`, `set foo`, `random #3`, …). */
  label: string;
  /** The payload, lowercase hex. */
  payloadHex: string;
  /** What the reader did with it. */
  outcome: ReadOutcome;
}

/** Every payload of one writer read by one reader. */
export interface Direction {
  /** The writing schema's label. */
  writer: string;
  /** The reading schema's label. */
  reader: string;
  /** Payloads written. */
  payloads: number;
  /** Payloads the reader decoded. */
  accepted: number;
  /** Payloads the reader rejected. */
  rejected: number;
  /** Every field dropped in any payload (writer's names, no list indices). */
  dropped: string[];
  /** Every field defaulted in any payload (reader's names). */
  defaulted: string[];
  /** Every field read differently in any payload (reader's names). */
  changed: string[];
  /** The first payload of each distinct outcome (at most `EXAMPLES`). */
  examples: Example[];
}

const EXAMPLES = 6;

/** A schema with a name for reports (`v1`, `v3`, `proposed`, a file name). */
export interface NamedSchema {
  /** How reports name it. */
  label: string;
  /** The schema. */
  model: SchemaModel;
}

/**
 * Writes each probe with `writer` and reads it with `reader`. A probe that `writer` cannot
 * encode is a bug in the probe, never in the schema, so it propagates.
 */
export function runDirection(writer: NamedSchema, reader: NamedSchema, probes: readonly Probe[]): Direction {
  const pairs = pairStructs(writer.model, reader.model);
  const dir: Direction = { writer: writer.label, reader: reader.label, payloads: 0, accepted: 0, rejected: 0, dropped: [], defaulted: [], changed: [], examples: [] };
  const seen = new Map<string, number>();
  const union = { dropped: new Set<string>(), defaulted: new Set<string>(), changed: new Set<string>() };
  for (const probe of probes) {
    let bytes: Uint8Array;
    try {
      bytes = encodeValue(writer.model, probe.value);
    } catch (e) {
      if (e instanceof EncodeError) throw new Error(`evolve: probe "${probe.label}" does not fit ${writer.label}: ${e.message}`);
      throw e;
    }
    const outcome = readWith(writer, reader, pairs, probe.value, bytes);
    dir.payloads++;
    if (outcome.accepted) dir.accepted++;
    else dir.rejected++;
    for (const d of outcome.dropped) union.dropped.add(d);
    for (const d of outcome.defaulted) union.defaulted.add(d);
    for (const c of outcome.changed) union.changed.add(stripIndices(c.path));
    const signature = JSON.stringify([outcome.accepted, outcome.error?.message, outcome.error?.path, outcome.dropped, outcome.defaulted, outcome.changed.map((c) => stripIndices(c.path))]);
    const example = { label: probe.label, payloadHex: Buffer.from(bytes).toString('hex'), outcome };
    const shown = seen.get(signature);
    if (shown === undefined && dir.examples.length < EXAMPLES) {
      seen.set(signature, dir.examples.length);
      dir.examples.push(example);
    } else if (shown !== undefined && dir.examples[shown]!.payloadHex === '' && bytes.length > 0) {
      // An empty payload shows little; the first one with bytes and the same outcome shows more.
      dir.examples[shown] = example;
    }
  }
  dir.dropped = [...union.dropped].sort();
  dir.defaulted = [...union.defaulted].sort();
  dir.changed = [...union.changed].sort();
  return dir;
}

function readWith(writer: NamedSchema, reader: NamedSchema, pairs: Pairs, wrote: GenericValue, bytes: Uint8Array): ReadOutcome {
  let decoded;
  try {
    decoded = decodeValue(reader.model, bytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { accepted: false, error: { code: e.code, message: e.meshMessage, offset: e.offset, path: e.path }, dropped: [], defaulted: [], changed: [] };
  }
  const dropped = new Set<string>();
  const defaulted = new Set<string>();
  for (const note of decoded.notes) {
    const at = stripIndices(note.path);
    if (note.kind === 'unknown_field') {
      const pair = pairs.get(at);
      const w = pair === undefined ? undefined : fieldsByNumber(pair.writer).get(note.field);
      dropped.add(join(pair?.writerPath ?? at, w?.name ?? `#${note.field}`));
    } else if (pairs.readerOnly.has(at)) {
      defaulted.add(at);
    }
  }
  const changed: ChangedValue[] = [];
  diff(writer.model, { kind: 'named', name: writer.model.root }, wrote, reader.model, { kind: 'named', name: reader.model.root }, decoded.value, '', changed);
  return { accepted: true, dropped: [...dropped].sort(), defaulted: [...defaulted].sort(), changed };
}

/** For each reader struct reached from the root (by reader path, indices stripped), the writer struct paired with it by field number. */
type Pairs = Map<string, { writer: StructDef; reader: StructDef; writerPath: string }> & { readerOnly: Set<string> };

function pairStructs(writer: SchemaModel, reader: SchemaModel): Pairs {
  const pairs = new Map() as Pairs;
  pairs.readerOnly = new Set();
  const walk = (w: TypeRef, r: TypeRef, rPath: string, wPath: string, depth: number) => {
    if (depth > 16) return;
    const wi = element(w);
    const ri = element(r);
    if (wi.kind !== 'named' || ri.kind !== 'named') return;
    const wd = typeOf(writer, wi.name);
    const rd = typeOf(reader, ri.name);
    if (wd.kind !== 'struct' || rd.kind !== 'struct' || pairs.has(rPath)) return;
    pairs.set(rPath, { writer: wd, reader: rd, writerPath: wPath });
    const byNumber = fieldsByNumber(wd);
    for (const f of rd.fields) {
      const g = byNumber.get(f.number);
      if (g === undefined) pairs.readerOnly.add(join(rPath, f.name));
      else walk(g.type, f.type, join(rPath, f.name), join(wPath, g.name), depth + 1);
    }
  };
  walk({ kind: 'named', name: writer.root }, { kind: 'named', name: reader.root }, '', '', 0);
  return pairs;
}

/** The element type under Vec, Option and arrays: what a path without indices names. */
function element(t: TypeRef): TypeRef {
  return t.kind === 'vec' || t.kind === 'array' ? element(t.element) : t.kind === 'option' ? element(t.inner) : t;
}

function diff(wm: SchemaModel, wt: TypeRef, wv: GenericValue, rm: SchemaModel, rt: TypeRef, rv: GenericValue, path: string, out: ChangedValue[]): void {
  if (out.length >= 8) return;
  if (wt.kind === 'option' && rt.kind === 'option') {
    if (wv === null || rv === null) {
      if ((wv === null) !== (rv === null)) out.push({ path, wrote: show(wv), read: show(rv) });
      return;
    }
    return diff(wm, wt.inner, wv, rm, rt.inner, rv, path, out);
  }
  if (wt.kind === 'option' || rt.kind === 'option') {
    const w = wt.kind === 'option' ? wt.inner : wt;
    const r = rt.kind === 'option' ? rt.inner : rt;
    if (wv === null || rv === null) {
      if (show(wv) !== show(rv)) out.push({ path, wrote: show(wv), read: show(rv) });
      return;
    }
    return diff(wm, w, wv, rm, r, rv, path, out);
  }
  if (wt.kind === 'scalar' && rt.kind === 'scalar') {
    if (show(wv) !== show(rv)) out.push({ path, wrote: show(wv), read: show(rv) });
    return;
  }
  if ((wt.kind === 'vec' || wt.kind === 'array') && (rt.kind === 'vec' || rt.kind === 'array')) {
    if (wv instanceof Uint8Array || rv instanceof Uint8Array) {
      if (show(wv) !== show(rv)) out.push({ path, wrote: show(wv), read: show(rv) });
      return;
    }
    const a = wv as GenericValue[];
    const b = rv as GenericValue[];
    if (a.length !== b.length) out.push({ path, wrote: `${a.length} element(s)`, read: `${b.length} element(s)` });
    for (let i = 0; i < Math.min(a.length, b.length); i++) diff(wm, wt.element, a[i]!, rm, rt.element, b[i]!, `${path}[${i}]`, out);
    return;
  }
  if (wt.kind === 'named' && rt.kind === 'named') {
    const wd = typeOf(wm, wt.name);
    const rd = typeOf(rm, rt.name);
    if (wd.kind === 'struct' && rd.kind === 'struct') {
      const w = wv as Record<string, GenericValue>;
      const r = rv as Record<string, GenericValue>;
      const byNumber = fieldsByNumber(wd);
      for (const f of rd.fields) {
        const g = byNumber.get(f.number);
        if (g !== undefined) diff(wm, g.type, w[g.name]!, rm, f.type, r[f.name]!, join(path, f.name), out);
      }
      return;
    }
    if (wd.kind === 'enum' && rd.kind === 'enum') {
      const w = wv as { variant: string; value?: Record<string, GenericValue> };
      const r = rv as { variant: string; value?: Record<string, GenericValue> };
      const wn = wd.variants.find((v) => v.name === w.variant)?.number;
      const rn = rd.variants.find((v) => v.name === r.variant)?.number;
      if (wn !== rn) out.push({ path, wrote: w.variant, read: r.variant });
      return;
    }
  }
  // The two types do not pair (rules.ts reports why); the reader's value is whatever it made of the bytes.
  if (show(wv) !== show(rv)) out.push({ path, wrote: show(wv), read: show(rv) });
}

/** A value as a report shows it: numbers in decimal, byte strings in hex, strings quoted. */
export function show(v: GenericValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${k}: ${show(x as GenericValue)}`).join(', ')}}`;
}

const join = (a: string, b: string) => (a === '' ? b : `${a}.${b}`);
const stripIndices = (p: string) => p.replace(/\[\d+\]/g, '');
