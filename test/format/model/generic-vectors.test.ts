import { afterAll, describe, expect, test } from 'vitest';
import { DecodeError } from '../../../src/format/codec-error.js';
import { decodeSavedState } from '../../../src/format/decode.js';
import { encodeSavedState } from '../../../src/format/encode.js';
import { decodeValue } from '../../../src/format/model/generic-decode.js';
import { encodeValue } from '../../../src/format/model/generic-encode.js';
import { savedStateToValue, valueToSavedState } from '../../../src/format/model/generic-value.js';
import { savedStateFromJson, savedStateToJson } from '../../../src/format/state-json.js';
import { readFileSync } from 'node:fs';
import { parseRustSchema } from '../../../src/format/model/rust-parser.js';
import { SAVED_STATE_V3_MODEL } from '../../support/saved-state-model.js';
import { loadMeshVectors } from '../../support/vectors.js';

// Every vector of test/vectors/mesh-wire.jsonl.gz through the generic codec driven by the v3
// model as the Rust parser reads it from schema/saved-state-v3.rs (equal to the hand-built one): the same bytes as the real encoder and encodeSavedState, the same
// verdicts (state, or code + offset + path) as the real decoder and decodeSavedState.
const V3 = parseRustSchema(readFileSync(new URL('../../../schema/saved-state-v3.rs', import.meta.url), 'utf8'), 'schema/saved-state-v3.rs');
const vectors = loadMeshVectors();
const counts = { encode: 0, decodeAccepted: 0, decodeRejected: 0 };
const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const encodes = vectors.flatMap((v, i) => (v.kind === 'encode' ? [{ i, v }] : []));
const decodes = vectors.flatMap((v, i) => (v.kind === 'decode' ? [{ i, v }] : []));

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** A model without source positions and docs, which the hand-built one does not carry. */
const bare = (m: typeof V3) => JSON.parse(JSON.stringify([...m.types.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), (k, v) => (k === 'at' || k === 'doc' ? undefined : typeof v === 'bigint' ? `${v}n` : v)));

describe('mesh-wire vectors through the generic codec', () => {
  test('the parsed v3 schema is the hand-built v3 model', () => {
    expect(bare(V3)).toEqual(bare(SAVED_STATE_V3_MODEL));
    expect([V3.root, V3.source]).toEqual(['SavedState', 'rust']);
  });

  test('every vector is an encode or a decode case', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(1000);
    expect(encodes.length + decodes.length).toBe(vectors.length);
  });

  test.each(encodes)('encode #$i: generic bytes = real encoder = encodeSavedState', ({ v }) => {
    const state = savedStateFromJson(v.state);
    const hex = toHex(encodeValue(V3, savedStateToValue(state)));
    expect(hex).toBe(v.hex);
    expect(hex).toBe(toHex(encodeSavedState(state)));
    counts.encode++;
  });

  test.each(decodes)('decode #$i ($v.mutation): generic verdict = real decoder = decodeSavedState', ({ v }) => {
    const bytes = fromHex(v.hex);
    const special = thrown(() => decodeSavedState(bytes));
    const generic = thrown(() => decodeValue(V3, bytes));
    if (v.ok) {
      expect(special).toBeUndefined();
      expect(generic).toBeUndefined();
      const { value } = decodeValue(V3, bytes);
      const expected = savedStateToJson(savedStateFromJson(v.state));
      expect(savedStateToJson(valueToSavedState(value))).toEqual(expected);
      expect(savedStateToJson(valueToSavedState(value))).toEqual(savedStateToJson(decodeSavedState(bytes)));
      counts.decodeAccepted++;
    } else {
      expect(special).toBeInstanceOf(DecodeError);
      expect(generic).toBeInstanceOf(DecodeError);
      const s = special as DecodeError;
      const g = generic as DecodeError;
      expect(`decoding failed: ${g.meshMessage}`).toBe(v.error);
      expect({ code: g.code, message: g.meshMessage, offset: g.offset, path: g.path }).toEqual({
        code: s.code,
        message: s.meshMessage,
        offset: s.offset,
        path: s.path,
      });
      counts.decodeRejected++;
    }
  });

  afterAll(() => {
    const total = counts.encode + counts.decodeAccepted + counts.decodeRejected;
    console.log(
      `generic codec on mesh-wire vectors: ${total}/${vectors.length} agree (${counts.encode} encode byte-exact, ` +
        `${counts.decodeAccepted} decode accepted, ${counts.decodeRejected} decode rejected with the same code, offset and path)`,
    );
    // Nothing skipped: every vector was checked (runs only when the whole file ran).
    if (total > 0) expect(total).toBe(vectors.length);
  });
});
