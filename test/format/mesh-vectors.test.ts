import { afterAll, describe, expect, test } from 'vitest';
import { DecodeError } from '../../src/format/codec-error.js';
import { decodeSavedState } from '../../src/format/decode.js';
import { encodeSavedState } from '../../src/format/encode.js';
import { savedStateFromJson, savedStateToJson } from '../../src/format/state-json.js';
import { loadMeshVectors } from '../support/vectors.js';

// Every vector in test/vectors/mesh-wire.jsonl.gz: the real mesh_protobuf
// encoder's bytes and the real decoder's verdicts. None is skipped.
const vectors = loadMeshVectors();
const counts = { encode: 0, decodeAccepted: 0, decodeRejected: 0 };
const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const encodes = vectors.flatMap((v, i) => (v.kind === 'encode' ? [{ i, v }] : []));
const decodes = vectors.flatMap((v, i) => (v.kind === 'decode' ? [{ i, v }] : []));

describe('mesh-wire vectors', () => {
  test('every vector is an encode or a decode case', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(1000);
    expect(encodes.length + decodes.length).toBe(vectors.length);
  });

  test.each(encodes)('encode #$i matches the real encoder byte for byte', ({ v }) => {
    expect(toHex(encodeSavedState(savedStateFromJson(v.state)))).toBe(v.hex);
    counts.encode++;
  });

  test.each(decodes)('decode #$i ($v.mutation) agrees with the real decoder', ({ v }) => {
    const bytes = fromHex(v.hex);
    if (v.ok) {
      expect(savedStateToJson(decodeSavedState(bytes))).toEqual(savedStateToJson(savedStateFromJson(v.state)));
      counts.decodeAccepted++;
    } else {
      let error: unknown;
      try {
        decodeSavedState(bytes);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DecodeError);
      expect(`decoding failed: ${(error as DecodeError).meshMessage}`).toBe(v.error);
      counts.decodeRejected++;
    }
  });

  afterAll(() => {
    const total = counts.encode + counts.decodeAccepted + counts.decodeRejected;
    console.log(
      `mesh-wire vectors: ${total}/${vectors.length} agree (${counts.encode} encode byte-exact, ` +
        `${counts.decodeAccepted} decode accepted, ${counts.decodeRejected} decode rejected with the same error)`,
    );
  });
});
