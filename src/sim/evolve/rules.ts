/**
 * The saved-state rules as findings: a proposed schema compared with one shipped schema, field
 * number by field number, the way mesh_protobuf pairs them on the wire. Every rule has a stable
 * id; docs/evolving-saved-state.md explains each with a failing and a passing example.
 *
 * The rules come from openvmm's save-state guide (Guide/src/dev_guide/contrib/save-state.md)
 * and `vmcore::save_restore`'s docs, checked against what mesh_protobuf does at 1488a37b7:
 * a field is matched by number only, a missing field takes its type's default
 * (`FieldDecode::default_field`), an unknown one is skipped by wire type, and a plain enum or
 * fixed array has no default.
 */
import {
  formatType,
  missingDefault,
  typeOf,
  type EnumDef,
  type FieldDef,
  type ScalarName,
  type SchemaModel,
  type StructDef,
  type TypeRef,
} from '../../format/model/model.js';

/** How much a finding matters: `error` makes the change incompatible; the others do not. */
export type Severity = 'error' | 'warning' | 'notice';

/** Every rule's stable id. */
export type RuleId =
  | 'root-package-changed'
  | 'field-renumbered'
  | 'number-reused'
  | 'wire-type-changed'
  | 'signedness-changed'
  | 'integer-narrowed'
  | 'required-field-added'
  | 'required-field-removed'
  | 'variant-added'
  | 'variant-removed'
  | 'array-length-changed'
  | 'integer-widened'
  | 'presence-changed'
  | 'field-removed'
  | 'field-renamed'
  | 'new-bool'
  | 'new-field-default'
  | 'cannot-tell-from-proto';

/** Every rule with its severity (docs/evolving-saved-state.md, "The rules", explains each). */
export const RULES: Readonly<Record<RuleId, Severity>> = {
  'root-package-changed': 'error',
  'field-renumbered': 'error',
  'number-reused': 'error',
  'wire-type-changed': 'error',
  'signedness-changed': 'error',
  'integer-narrowed': 'error',
  'required-field-added': 'error',
  'required-field-removed': 'error',
  'variant-added': 'error',
  'variant-removed': 'error',
  'array-length-changed': 'error',
  'integer-widened': 'warning',
  'presence-changed': 'warning',
  'field-removed': 'warning',
  'field-renamed': 'notice',
  'new-bool': 'notice',
  'new-field-default': 'notice',
  'cannot-tell-from-proto': 'notice',
};

/** One rule that a proposed schema trips against one shipped schema. */
export interface RuleFinding {
  /** Which rule. */
  id: RuleId;
  /** The rule's severity ({@link RULES}). */
  severity: Severity;
  /** The field as a path from the root, in the new schema's names where it has one: `SavedState.partition_mmio`. */
  field: string;
  /** The field number it concerns. */
  number: number;
  /** What happens, in one sentence. */
  message: string;
  /** What to do instead, in one line. */
  fix: string;
}

/** A finding's field path and number, with the rest to be filled in. */
type Site = { field: string; number: number };

const UNSIGNED: ReadonlySet<ScalarName> = new Set(['u8', 'u16', 'u32', 'u64', 'usize', 'bool']);
const WIDTH: Record<ScalarName, number> = {
  u8: 8, u16: 16, u32: 32, u64: 64, usize: 64, i8: 8, i16: 16, i32: 32, i64: 64, isize: 64, bool: 1, String: 0,
};

/**
 * Compares `next` (the proposed schema) with `shipped`, starting at both roots, and returns the
 * findings in a stable order (by path, then rule). Types are paired through the fields that
 * share a number, so a renamed type is compared with its predecessor.
 */
export function compareSchemas(next: SchemaModel, shipped: SchemaModel): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const add = (id: RuleId, site: Site, message: string, fix: string) =>
    findings.push({ id, severity: RULES[id], field: site.field, number: site.number, message, fix });
  const nextRoot = typeOf(next, next.root);
  const oldRoot = typeOf(shipped, shipped.root);
  if (nextRoot.package !== oldRoot.package) {
    add(
      'root-package-changed',
      { field: nextRoot.name, number: 0 },
      `the root's package changed from ${quote(oldRoot.package)} to ${quote(nextRoot.package)}; a root's package is part of its saved-state identity (its type URL), so shipped readers no longer recognise the state (the payload's bytes do not change: no decode can catch this)`,
      `keep #[mesh(package = ${quote(oldRoot.package)})] on ${nextRoot.name}`,
    );
  }
  const seen = new Set<string>();
  compareTypes(next, shipped, nextRoot.name, oldRoot.name, nextRoot.name, add, seen);
  return findings.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

type Add = (id: RuleId, site: Site, message: string, fix: string) => void;

function compareTypes(next: SchemaModel, shipped: SchemaModel, nextName: string, oldName: string, path: string, add: Add, seen: Set<string>): void {
  const key = `${nextName}\u0000${oldName}`;
  if (seen.has(key)) return;
  seen.add(key);
  const n = typeOf(next, nextName);
  const o = typeOf(shipped, oldName);
  if (n.kind === 'struct' && o.kind === 'struct') return compareFields(next, shipped, n.fields, o.fields, path, add, seen);
  if (n.kind === 'enum' && o.kind === 'enum') return compareVariants(next, shipped, n, o, path, add, seen);
  add(
    'wire-type-changed',
    { field: path, number: 0 },
    `${n.name} is now ${n.kind === 'enum' ? 'an enum (a oneof)' : 'a struct'} where ${o.name} was ${o.kind === 'enum' ? 'an enum (a oneof)' : 'a struct'}; the same bytes mean different things`,
    `keep ${o.name}'s shape and add a new field for the new type`,
  );
}

function compareFields(next: SchemaModel, shipped: SchemaModel, nf: readonly FieldDef[], of: readonly FieldDef[], path: string, add: Add, seen: Set<string>): void {
  const oldByNumber = new Map(of.map((f) => [f.number, f]));
  const newByNumber = new Map(nf.map((f) => [f.number, f]));
  const oldByName = new Map(of.map((f) => [f.name, f]));
  for (const f of nf) {
    const site = { field: `${path}.${f.name}`, number: f.number };
    const before = oldByNumber.get(f.number);
    const moved = oldByName.get(f.name);
    if (moved !== undefined && moved.number !== f.number) {
      add(
        'field-renumbered',
        site,
        `${f.name} moved from number ${moved.number} to ${f.number}: shipped readers drop it from new state and this reader finds it missing in shipped state (both sides lose it)`,
        `keep ${f.name} at #[mesh(${moved.number})]; numbers never change`,
      );
    }
    if (before === undefined) {
      if (moved === undefined || moved.number === f.number) addedField(next, f, site, add);
      continue;
    }
    if (before.name !== f.name && !(moved !== undefined && moved.number !== f.number)) {
      const verdict = typeVerdict(next, shipped, f.type, before.type);
      if (verdict.kind === 'incompatible') {
        add(
          'number-reused',
          site,
          `number ${f.number} was ${before.name}: ${formatType(before.type)} and is now ${f.name}: ${formatType(f.type)}; readers of either schema misread the other's bytes (${verdict.why})`,
          `give ${f.name} a number never used before and leave ${f.number} retired`,
        );
        continue;
      }
      add(
        'field-renamed',
        site,
        `number ${f.number} was named ${before.name}; the bytes are unchanged, so a rename is compatible as long as the meaning is too`,
        `if what the field holds changed, use a new number instead`,
      );
    }
    compareFieldTypes(next, shipped, f, before, site, add, seen);
  }
  const newNames = new Set(nf.map((f) => f.name));
  for (const o of of) {
    if (newByNumber.has(o.number)) continue;
    const site = { field: `${path}.${o.name}`, number: o.number };
    if (newNames.has(o.name)) continue; // reported as renumbered
    const none = missingDefault(shipped, o.type);
    if (none !== null) {
      add(
        'required-field-removed',
        site,
        `${o.name} (${formatType(o.type)}) is gone, and shipped readers have no default for it (${none.reason === 'enum' ? 'a plain enum' : 'a fixed array'}), so they reject every new state`,
        `keep writing ${o.name}`,
      );
    } else {
      add(
        'field-removed',
        site,
        `${o.name} is gone; shipped readers take its default (${defaultText(o.type)}) from new state`,
        `retire number ${o.number}: never reuse it for another field`,
      );
    }
  }
}

function addedField(next: SchemaModel, f: FieldDef, site: Site, add: Add): void {
  if (f.presenceUnknown) {
    add(
      'cannot-tell-from-proto',
      site,
      `new field ${f.name} is a message; a .proto writes T and Option<T> alike, so whether shipped state (which lacks it) still decodes cannot be told from .proto`,
      `check the Rust type: a new plain enum or fixed array must be wrapped in Option`,
    );
  }
  const none = missingDefault(next, f.type);
  if (none !== null) {
    add(
      'required-field-added',
      site,
      `new field ${f.name} (${formatType(f.type)}) has no default (${none.reason === 'enum' ? 'a plain enum: "missing enum variant"' : 'a fixed array: "missing required field"'}${none.path === '' ? '' : ` at ${none.path}`}), so this reader rejects all shipped state, which lacks it`,
      `wrap ${f.name} in Option: ${f.name}: Option<${formatType(f.type)}>`,
    );
    return;
  }
  if (f.type.kind === 'scalar' && f.type.name === 'bool') {
    add(
      'new-bool',
      site,
      `new bool ${f.name} reads as false from shipped state`,
      `name it so that false means the behaviour shipped state had (off)`,
    );
    return;
  }
  add(
    'new-field-default',
    site,
    `new field ${f.name} reads as ${defaultText(f.type)} from shipped state`,
    f.type.kind === 'option' ? 'none needed: None says the writer did not know the field' : `if that default needs a check to tell it from a real value, make it Option<${formatType(f.type)}>`,
  );
}

function compareFieldTypes(next: SchemaModel, shipped: SchemaModel, f: FieldDef, before: FieldDef, site: Site, add: Add, seen: Set<string>): void {
  const verdict = typeVerdict(next, shipped, f.type, before.type);
  const was = `${formatType(before.type)} → ${formatType(f.type)}`;
  switch (verdict.kind) {
    case 'same':
      break;
    case 'incompatible':
      add('wire-type-changed', site, `${was}: ${verdict.why}`, `add a new field with the new type; leave ${before.name} as it was`);
      return;
    case 'sign':
      add(
        'signedness-changed',
        site,
        `${was}: mesh writes signed integers zigzag-encoded (sint) and unsigned ones plain, so every value silently changes (5 reads as ${verdict.example})`,
        `keep ${formatType(before.type)}; add a new field for the new type`,
      );
      return;
    case 'narrow':
      add('integer-narrowed', site, `${was}: this reader truncates shipped values above ${verdict.limit}`, `keep ${formatType(before.type)} or wider`);
      return;
    case 'widen':
      add('integer-widened', site, `${was}: shipped readers truncate new values above ${verdict.limit}`, `only write values that fit ${formatType(before.type)} until every reader is upgraded`);
      return;
    case 'presence':
      add('presence-changed', site, `${was}: ${verdict.why}`, `keep ${formatType(before.type)}`);
      return;
    case 'array-length':
      add('array-length-changed', site, `${was}: a reader rejects an array of another length ("wrong packed array length" or "wrong array length")`, `keep the length; add a new field`);
      return;
  }
  for (const [n, o] of verdict.pairs) compareTypes(next, shipped, n, o, site.field, add, seen);
}

function compareVariants(next: SchemaModel, shipped: SchemaModel, n: EnumDef, o: EnumDef, path: string, add: Add, seen: Set<string>): void {
  const oldByNumber = new Map(o.variants.map((v) => [v.number, v]));
  for (const v of n.variants) {
    const before = oldByNumber.get(v.number);
    const site = { field: `${path}::${v.name}`, number: v.number };
    if (before === undefined) {
      add(
        'variant-added',
        site,
        `new variant ${v.name} (#${v.number}): shipped readers skip the unknown variant and then fail with "missing enum variant" on any state that holds it`,
        `write ${v.name} only once no reader in service predates it, or add it as a new Option field`,
      );
      continue;
    }
    if (before.shape === 'unit' && v.shape === 'unit') continue;
    compareFields(next, shipped, v.fields, before.fields, site.field, add, seen);
  }
  for (const v of o.variants) {
    if (n.variants.some((x) => x.number === v.number)) continue;
    add(
      'variant-removed',
      { field: `${path}::${v.name}`, number: v.number },
      `variant ${v.name} (#${v.number}) is gone: this reader fails with "missing enum variant" on shipped state that holds it`,
      `keep ${v.name}, even if new writers never write it`,
    );
  }
}

/** How a field's new type reads the old type's bytes and the other way round. */
type Verdict =
  | { kind: 'same'; pairs: [string, string][] }
  | { kind: 'incompatible'; why: string }
  | { kind: 'sign'; example: string }
  | { kind: 'narrow'; limit: string }
  | { kind: 'widen'; limit: string }
  | { kind: 'presence'; why: string }
  | { kind: 'array-length' };

/** What one field's bytes look like on the wire: mesh's encoding class. */
function wireClass(model: SchemaModel, t: TypeRef): string {
  switch (t.kind) {
    case 'scalar':
      return t.name === 'String' ? 'bytes' : UNSIGNED.has(t.name) ? 'uvarint' : 'svarint';
    case 'vec':
      return t.element.kind === 'scalar' && t.element.name === 'u8' ? 'bytes' : `repeated ${wireClass(model, t.element)}`;
    case 'option':
      return wireClass(model, t.inner);
    case 'array':
      return `array ${wireClass(model, t.element)}`;
    case 'named':
      return typeOf(model, t.name).kind === 'enum' ? 'oneof' : 'message';
  }
}

/**
 * The verdict for reading `old`'s bytes as `next` (and back). Integer kinds of one signedness
 * share an encoding and differ only in how far a reader truncates (`v as u16`); signed and
 * unsigned differ in encoding (zigzag).
 */
function typeVerdict(next: SchemaModel, shipped: SchemaModel, n: TypeRef, o: TypeRef): Verdict {
  if (n.kind === 'option' && o.kind === 'option') return typeVerdict(next, shipped, n.inner, o.inner);
  if (n.kind === 'option' || o.kind === 'option') {
    const inner = typeVerdict(next, shipped, n.kind === 'option' ? n.inner : n, o.kind === 'option' ? o.inner : o);
    if (inner.kind !== 'same') return inner;
    const plain = n.kind === 'option' ? o : n;
    if (n.kind !== 'option' && missingDefault(next, n) !== null) {
      return { kind: 'incompatible', why: `shipped writers omit the field when it is None, and this reader has no default for ${formatType(n)}` };
    }
    return {
      kind: 'presence',
      why:
        n.kind === 'option'
          ? `shipped writers omit a ${defaultText(plain)} value, so this reader sees None where the writer had ${defaultText(plain)}`
          : `new writers cannot say None; shipped readers see ${defaultText(plain)} for it`,
    };
  }
  if (n.kind === 'scalar' && o.kind === 'scalar') {
    if (n.name === o.name) return { kind: 'same', pairs: [] };
    const nc = wireClass(next, n);
    const oc = wireClass(shipped, o);
    if (nc !== oc) {
      if (nc !== 'bytes' && oc !== 'bytes') return { kind: 'sign', example: nc === 'svarint' ? '-3' : '10' };
      return { kind: 'incompatible', why: `${describeClass(nc)} where readers expect ${describeClass(oc)}` };
    }
    if (nc === 'bytes') return { kind: 'same', pairs: [] };
    const wn = WIDTH[n.name];
    const wo = WIDTH[o.name];
    if (wn < wo) return { kind: 'narrow', limit: limitOf(n.name) };
    return { kind: 'widen', limit: limitOf(o.name) };
  }
  if (n.kind === 'vec' && o.kind === 'vec') {
    const nb = wireClass(next, n) === 'bytes';
    const ob = wireClass(shipped, o) === 'bytes';
    if (nb !== ob) return { kind: 'incompatible', why: `${describeClass(wireClass(next, n))} where readers expect ${describeClass(wireClass(shipped, o))}` };
    if (nb) return { kind: 'same', pairs: [] };
    return typeVerdict(next, shipped, n.element, o.element);
  }
  if (n.kind === 'array' && o.kind === 'array') {
    const inner = typeVerdict(next, shipped, n.element, o.element);
    if (inner.kind === 'same' && n.length !== o.length) return { kind: 'array-length' };
    return inner;
  }
  if (n.kind === 'named' && o.kind === 'named') {
    const nk = typeOf(next, n.name).kind;
    const ok = typeOf(shipped, o.name).kind;
    if (nk !== ok) return { kind: 'incompatible', why: `${nk === 'enum' ? 'a oneof' : 'a message'} where readers expect ${ok === 'enum' ? 'a oneof' : 'a message'}` };
    return { kind: 'same', pairs: [[n.name, o.name]] };
  }
  return { kind: 'incompatible', why: `${describeClass(wireClass(next, n))} where readers expect ${describeClass(wireClass(shipped, o))}` };
}

/** A wire class as a sentence says it: `a list of unsigned varints`, `length-delimited bytes`. */
function describeClass(c: string): string {
  const words: Record<string, [string, string]> = {
    uvarint: ['an unsigned varint', 'unsigned varints'],
    svarint: ['a zigzag varint', 'zigzag varints'],
    bytes: ['length-delimited bytes', 'byte strings'],
    message: ['a message', 'messages'],
    oneof: ['an enum (a oneof)', 'enums'],
  };
  const [kind, of] = c.includes(' ') ? [c.slice(0, c.indexOf(' ')), c.slice(c.indexOf(' ') + 1)] : [c, ''];
  if (kind === 'repeated') return `a list of ${words[of]?.[1] ?? of}`;
  if (kind === 'array') return `a fixed array of ${words[of]?.[1] ?? of}`;
  return words[c]?.[0] ?? c;
}

function limitOf(name: ScalarName): string {
  if (name === 'bool') return '1';
  const w = WIDTH[name];
  return UNSIGNED.has(name) ? `2^${w} - 1` : `±2^${w - 1}`;
}

/** A type's default as a sentence names it: `0`, `""`, `false`, `[]`, `None`, `each field's default`. */
export function defaultText(t: TypeRef): string {
  switch (t.kind) {
    case 'scalar':
      return t.name === 'String' ? '""' : t.name === 'bool' ? 'false' : '0';
    case 'vec':
      return 'an empty list';
    case 'option':
      return 'None';
    case 'array':
      return 'no default';
    case 'named':
      return "each field's default";
  }
}

function quote(s: string | null): string {
  return s === null ? 'none' : `"${s}"`;
}

/** The struct at the root of a model, for callers that need its fields. */
export function rootStruct(model: SchemaModel): StructDef | undefined {
  const def = typeOf(model, model.root);
  return def.kind === 'struct' ? def : undefined;
}
