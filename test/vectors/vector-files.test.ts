// The vector files themselves: present, complete and in the format test/vectors/README.md
// describes. The suites that replay them (mesh-vectors, boot-vectors, …) print their own
// agreement counts; this file makes a truncated or swapped copy fail by name.
import { describe, expect, it } from 'vitest';

import {
  loadBootVectorFile,
  loadMeshVectors,
  loadRangeAlgebraVectors,
  readVectorText,
} from '../support/vectors.js';

/** The upstream `memory_range` functions the range-algebra vectors call (range-algebra format). */
const RANGE_FNS = [
  'aligned_subrange', 'aligned_subranges', 'alignment', 'bounding', 'bounding_aligned', 'cmp',
  'constants', 'contains', 'contains_addr', 'debug', 'debug_alt_hex', 'display', 'end_4k_gpn', 'eq',
  'flatten_ranges', 'from_4k_gpn_range', 'intersection', 'is_empty', 'len', 'merge_adjacent_ranges',
  'new', 'offset_of', 'overlapping_ranges', 'overlaps', 'page_count_2m', 'page_count_4k',
  'split_at_offset', 'start_4k_gpn', 'subtract_ranges', 'try_new', 'walk_ranges',
];

describe('test/vectors', () => {
  it('mesh-wire.jsonl.gz: 1000 vectors, 300 encodes and 700 decodes', () => {
    const vectors = loadMeshVectors();
    expect(vectors).toHaveLength(1000);
    expect(vectors.filter((v) => v.kind === 'encode')).toHaveLength(300);
    for (const v of vectors) expect(v.hex).toMatch(/^(?:[0-9a-f]{2})*$/);
  });

  it('boot-worked-examples.json: worked examples A–H and the hostile headers HV0–HV5', () => {
    const names = loadBootVectorFile('boot-worked-examples.json').map((v) => v.name.split(':')[0]);
    expect(names).toEqual(['A', 'B', 'C', 'D', 'D2', 'H', 'F1', 'F2', 'HV0', 'HV1', 'HV2', 'HV3', 'HV4', 'HV5']);
  });

  it('boot-public.json.gz: 150 generated lifecycles, each with a result per lifecycle step', () => {
    const vectors = loadBootVectorFile('boot-public.json.gz');
    expect(vectors).toHaveLength(150);
    for (const v of vectors) {
      expect(v.expected.steps).toHaveLength((v.input['lifecycle'] as unknown[]).length);
    }
  });

  it('range-algebra.jsonl.gz: 3000 cases over the upstream memory_range API', () => {
    const vectors = loadRangeAlgebraVectors();
    expect(vectors).toHaveLength(3000);
    expect([...new Set(vectors.map((v) => v.fn))].sort()).toEqual(RANGE_FNS);
    for (const v of vectors) expect(('ok' in v) !== ('panic' in v)).toBe(true);
  });

  it('a missing file is an error that names it, never an empty suite', () => {
    expect(() => readVectorText('no-such-file.jsonl.gz' as 'mesh-wire.jsonl.gz')).toThrow(
      /vector file missing: .*no-such-file\.jsonl\.gz/,
    );
  });
});
