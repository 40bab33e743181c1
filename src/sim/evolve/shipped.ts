/**
 * The three shipped `SavedState` schemas as models, parsed from the package's `schema/`
 * files (the `save_restore` module of `vm/loader/loader_defs/src/shim.rs` at the commit that
 * introduced each version), and the loader `evolve` uses for any schema file.
 */
import { readFileSync } from 'node:fs';
import type { SchemaModel } from '../../format/model/model.js';
import { loadProtoSchema } from '../../format/model/proto-loader.js';
import { parseRustSchema } from '../../format/model/rust-parser.js';

/** A shipped schema version's label. */
export type ShippedLabel = 'v1' | 'v2' | 'v3';

/** A shipped version's schema file and where upstream introduced it. */
export interface ShippedSchema {
  /** `v1`, `v2` or `v3`. */
  label: ShippedLabel;
  /** Its file in the package's `schema/` folder. */
  file: string;
  /** The openvmm commit that introduced it. */
  commit: string;
  /** That commit's pull request. */
  pr: string;
}

/** Every shipped version, oldest first, with the upstream commit that introduced it. */
export const SHIPPED: readonly ShippedSchema[] = [
  { label: 'v1', file: 'saved-state-v1.rs', commit: 'ebad38923', pr: '#2030' },
  { label: 'v2', file: 'saved-state-v2.rs', commit: '7c3a527ff', pr: '#2438' },
  { label: 'v3', file: 'saved-state-v3.rs', commit: '6032c8a26', pr: '#2512' },
];

/** The package's `schema/` folder: three levels up from both src/sim/evolve and dist/sim/evolve. */
const SCHEMA_DIR = new URL('../../../schema/', import.meta.url);

const cache = new Map<ShippedLabel, SchemaModel>();

/** The model of a shipped version, parsed once. */
export function shippedModel(label: ShippedLabel): SchemaModel {
  let model = cache.get(label);
  if (model === undefined) {
    const entry = SHIPPED.find((s) => s.label === label)!;
    model = parseRustSchema(readFileSync(new URL(entry.file, SCHEMA_DIR), 'utf8'), `schema/${entry.file}`);
    cache.set(label, model);
  }
  return model;
}

/** Largest schema file `loadSchemaText` takes; real saved-state modules are a few KiB. */
export const MAX_SCHEMA_BYTES = 1 << 20;

/**
 * A schema from its text: `.proto` by the file name's extension, Rust source otherwise. Throws
 * `SchemaError` for anything it cannot read as a schema.
 */
export function loadSchemaText(text: string, file: string, root?: string): SchemaModel {
  const options = root === undefined ? {} : { root };
  return file.endsWith('.proto') ? loadProtoSchema(text, file, options) : parseRustSchema(text, file, options);
}

