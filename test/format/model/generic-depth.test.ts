import { describe, expect, test } from 'vitest';
import { DecodeError } from '../../../src/format/codec-error.js';
import { MAX_MESSAGE_DEPTH, decodeValue } from '../../../src/format/model/generic-decode.js';
import { parseRustSchema } from '../../../src/format/model/rust-parser.js';

// A recursive type read from hostile input: mesh_protobuf would recurse until the Rust stack
// overflows; the generic decoder stops at MAX_MESSAGE_DEPTH with a typed error instead.
const model = parseRustSchema('#[derive(Protobuf)]\npub struct Node {\n    #[mesh(1)]\n    pub children: Vec<Node>,\n}\n', 'node.rs', { root: 'Node' });

/** `levels` nested `children` messages, each the only field of its parent. */
function nested(levels: number): Uint8Array {
  let inner: number[] = [];
  for (let i = 0; i < levels; i++) {
    const len: number[] = [];
    let n = inner.length;
    while (n >= 0x80) (len.push((n & 0x7f) | 0x80), (n >>>= 7));
    len.push(n);
    inner = [0x0a, ...len, ...inner];
  }
  return Uint8Array.from(inner);
}

describe('generic decoder nesting bound', () => {
  test('decodes nesting up to the bound', () => {
    let v = decodeValue(model, nested(MAX_MESSAGE_DEPTH)).value as { children: unknown[] };
    let depth = 0;
    while (v.children.length === 1) (v = v.children[0] as typeof v), depth++;
    expect(depth).toBe(MAX_MESSAGE_DEPTH);
  });

  test('stops one level past it with nesting_too_deep, never a RangeError', () => {
    for (const levels of [MAX_MESSAGE_DEPTH + 1, 3_000]) {
      let error: unknown;
      try {
        decodeValue(model, nested(levels));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DecodeError);
      expect((error as DecodeError).code).toBe('nesting_too_deep');
      expect((error as DecodeError).offset).toBeGreaterThan(0);
    }
  });
});
