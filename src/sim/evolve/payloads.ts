/**
 * Values to write with a schema, for `evolve`'s execution: fast-check arbitraries over any
 * model's types, plus the hand-picked cases every run includes (everything unset; each field
 * set to an edge value on its own; everything set), and the translation of a value from one
 * schema to another by field number (what a reader of the other schema gets to see).
 */
import fc from 'fast-check';
import { isBigScalar, type GenericStruct, type GenericValue } from '../../format/model/generic-value.js';
import { INTEGER_RANGES, typeOf, type FieldDef, type SchemaModel, type TypeRef } from '../../format/model/model.js';



/**
 * At most this many "set one field" probes: a root with more fields gets its fields set in this
 * many groups instead, so a huge schema costs a bounded number of payloads.
 */
export const MAX_SET_PROBES = 32;

/** How long generated lists get, and how deep nested types go before only defaults are made. */
const LIST_MAX = 3;
const DEPTH_MAX = 4;

/** A fast-check arbitrary of values of `type`, edge values weighted in (fast-check's own bias). */
export function valueArbitrary(model: SchemaModel, type: TypeRef, depth = 0): fc.Arbitrary<GenericValue> {
  switch (type.kind) {
    case 'scalar': {
      const n = type.name;
      if (n === 'bool') return fc.boolean();
      if (n === 'String') return fc.string({ unit: 'grapheme', maxLength: 8 });
      const [min, max] = INTEGER_RANGES[n];
      const big = fc.bigInt({ min, max });
      return isBigScalar(n) ? big : big.map(Number);
    }
    case 'vec':
      if (type.element.kind === 'scalar' && type.element.name === 'u8') return fc.uint8Array({ maxLength: 8 });
      if (depth >= DEPTH_MAX) return fc.constant([]);
      return fc.array(valueArbitrary(model, type.element, depth + 1), { maxLength: LIST_MAX });
    case 'option':
      return fc.option(valueArbitrary(model, type.inner, depth + 1), { nil: null });
    case 'array':
      return fc.array(valueArbitrary(model, type.element, depth + 1), { minLength: type.length, maxLength: type.length });
    case 'named': {
      const def = typeOf(model, type.name);
      if (def.kind === 'struct') return recordOf(model, def.fields, depth);
      return fc.oneof(
        ...def.variants.map((v) =>
          v.shape === 'unit' ? fc.constant({ variant: v.name }) : recordOf(model, v.fields, depth).map((value) => ({ variant: v.name, value })),
        ),
      );
    }
  }
}

function recordOf(model: SchemaModel, fields: readonly FieldDef[], depth: number): fc.Arbitrary<GenericStruct> {
  const shape: Record<string, fc.Arbitrary<GenericValue>> = {};
  for (const f of fields) shape[f.name] = depth >= DEPTH_MAX ? fc.constant(unsetValue(model, f.type)) : valueArbitrary(model, f.type, depth + 1);
  return fc.record(shape);
}

/**
 * The value a writer has when it has nothing to say: 0, false, "", empty, None, each field's
 * unset value; a plain enum's first variant (unset) and an array of unset elements, since
 * those types have no "nothing".
 */
export function unsetValue(model: SchemaModel, type: TypeRef): GenericValue {
  switch (type.kind) {
    case 'scalar':
      return type.name === 'bool' ? false : type.name === 'String' ? '' : isBigScalar(type.name) ? 0n : 0;
    case 'vec':
      return type.element.kind === 'scalar' && type.element.name === 'u8' ? new Uint8Array(0) : [];
    case 'option':
      return null;
    case 'array':
      return Array.from({ length: type.length }, () => unsetValue(model, type.element));
    case 'named': {
      const def = typeOf(model, type.name);
      if (def.kind === 'struct') return Object.fromEntries(def.fields.map((f) => [f.name, unsetValue(model, f.type)]));
      const v = def.variants[0];
      if (v === undefined) return { variant: '' };
      return v.shape === 'unit' ? { variant: v.name } : { variant: v.name, value: Object.fromEntries(v.fields.map((f) => [f.name, unsetValue(model, f.type)])) };
    }
  }
}

/**
 * A value of `type` that no writer would omit and that sits at an edge: the largest unsigned
 * or smallest signed integer, `true`, a non-ASCII string, one edge element, Some(edge), the
 * last variant with edge fields.
 */
export function edgeValue(model: SchemaModel, type: TypeRef, depth = 0): GenericValue {
  switch (type.kind) {
    case 'scalar': {
      const n = type.name;
      if (n === 'bool') return true;
      if (n === 'String') return 'é\u{1f600}';
      // The largest unsigned value, the smallest signed one: where truncation and zigzag show.
      const [min, max] = INTEGER_RANGES[n];
      const v = min < 0n ? min : max;
      return isBigScalar(n) ? v : Number(v);
    }
    case 'vec':
      if (type.element.kind === 'scalar' && type.element.name === 'u8') return Uint8Array.of(0xff);
      return depth >= DEPTH_MAX ? [] : [edgeValue(model, type.element, depth + 1)];
    case 'option':
      return depth >= DEPTH_MAX ? null : edgeValue(model, type.inner, depth + 1);
    case 'array':
      return Array.from({ length: type.length }, () => edgeValue(model, type.element, depth + 1));
    case 'named': {
      const def = typeOf(model, type.name);
      const fields = (fs: readonly FieldDef[]) =>
        Object.fromEntries(fs.map((f) => [f.name, depth >= DEPTH_MAX ? unsetValue(model, f.type) : edgeValue(model, f.type, depth + 1)]));
      if (def.kind === 'struct') return fields(def.fields);
      const v = def.variants[def.variants.length - 1];
      if (v === undefined) return { variant: '' };
      return v.shape === 'unit' ? { variant: v.name } : { variant: v.name, value: fields(v.fields) };
    }
  }
}

/** One value to write, with why it was chosen. */
export interface Probe {
  /** `unset`, `set <field>`, `all set`, `based on <what>`, or `random #k`. */
  label: string;
  /** The value written. */
  value: GenericValue;
}

/**
 * The values `evolve` writes with the root of `model`: everything unset; for each `focus` field
 * (the fields the other schema does not share, or all fields) that field alone set to its edge
 * value on top of `base`; everything at its edge; and `random` samples drawn with `seed`.
 */
export function probesFor(model: SchemaModel, options: { base?: GenericStruct; focus?: readonly string[]; random: number; seed: number }): Probe[] {
  const root = typeOf(model, model.root);
  if (root.kind !== 'struct') {
    const type: TypeRef = { kind: 'named', name: model.root };
    return [
      { label: 'unset', value: unsetValue(model, type) },
      { label: 'all set', value: edgeValue(model, type) },
      ...sample(model, type, options.random, options.seed),
    ];
  }
  const unset = unsetValue(model, { kind: 'named', name: root.name }) as GenericStruct;
  const base = options.base ?? unset;
  const probes: Probe[] = [{ label: 'unset', value: unset }];
  if (options.base !== undefined) probes.push({ label: 'saved state', value: base });
  const focus = options.focus === undefined ? root.fields : root.fields.filter((f) => options.focus!.includes(f.name));
  const group = Math.ceil(focus.length / MAX_SET_PROBES);
  for (let i = 0; i < focus.length; i += group) {
    const set = focus.slice(i, i + group);
    const value: GenericStruct = { ...base };
    for (const f of set) value[f.name] = edgeValue(model, f.type);
    probes.push({ label: set.length === 1 ? `set ${set[0]!.name}` : `set ${set[0]!.name} … ${set[set.length - 1]!.name}`, value });
  }
  probes.push({ label: 'all set', value: edgeValue(model, { kind: 'named', name: root.name }) });
  probes.push(...sample(model, { kind: 'named', name: root.name }, options.random, options.seed));
  return probes;
}

function sample(model: SchemaModel, type: TypeRef, n: number, seed: number): Probe[] {
  if (n <= 0) return [];
  return fc.sample(valueArbitrary(model, type), { numRuns: n, seed }).map((value, i) => ({ label: `random #${i + 1}`, value }));
}

/**
 * `value` (of `fromType` in `from`) as the writer of `to` would hold it: fields paired by number
 * keep their value where the two types agree, and everything else is `fill`'s value for the
 * target type (its unset value by default). This is how a save made by one build is written by
 * another: the same facts, in the other's fields.
 */
export function translateValue(
  from: SchemaModel,
  fromType: TypeRef,
  to: SchemaModel,
  toType: TypeRef,
  value: GenericValue,
  fill: (model: SchemaModel, type: TypeRef) => GenericValue = unsetValue,
): GenericValue {
  if (fromType.kind === 'scalar' && toType.kind === 'scalar') return fromType.name === toType.name ? value : fill(to, toType);
  if (fromType.kind === 'option' && toType.kind === 'option') {
    return value === null ? null : translateValue(from, fromType.inner, to, toType.inner, value, fill);
  }
  if (fromType.kind === 'vec' && toType.kind === 'vec' && Array.isArray(value)) {
    return value.map((v) => translateValue(from, fromType.element, to, toType.element, v, fill));
  }
  if (fromType.kind === 'vec' && toType.kind === 'vec' && value instanceof Uint8Array && toType.element.kind === 'scalar' && toType.element.name === 'u8') return value;
  if (fromType.kind === 'named' && toType.kind === 'named') {
    const a = typeOf(from, fromType.name);
    const b = typeOf(to, toType.name);
    if (a.kind === 'struct' && b.kind === 'struct') {
      const src = value as GenericStruct;
      const out: GenericStruct = {};
      const byNumber = fieldsByNumber(a);
      for (const f of b.fields) {
        const g = byNumber.get(f.number);
        out[f.name] = g === undefined ? fill(to, f.type) : translateValue(from, g.type, to, f.type, src[g.name]!, fill);
      }
      return out;
    }
  }
  return fill(to, toType);
}

const BY_NUMBER = new WeakMap<object, Map<number, FieldDef>>();

/** A struct's (or variant's) fields by number, built once per definition: pairing is by number. */
export function fieldsByNumber(def: { fields: readonly FieldDef[] }): Map<number, FieldDef> {
  let map = BY_NUMBER.get(def);
  if (map === undefined) {
    map = new Map(def.fields.map((f) => [f.number, f]));
    BY_NUMBER.set(def, map);
  }
  return map;
}
