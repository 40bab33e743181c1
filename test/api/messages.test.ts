/**
 * A huge value in input never floods an error message: every message quotes at most about 60
 * characters of it (issue: "a 50 MB string or a 10^7-digit number in a JSON field — the error
 * message repeats the whole value"). Each row would fail on a mutant that interpolates the raw
 * value (`${key}` instead of quoteInput / describeValue), and the 5 MB string row also on a
 * regular-expression string scanner (V8 recurses per character and overflows the stack).
 */
import { describe, expect, test } from 'vitest';
import { decodeHeader, encodeHeader, parseJsonText, savedStateFromJson, Vtl2PersistError } from '../../src/index.js';

const HUGE = 'x'.repeat(5_000_000);
const DIGITS = '9'.repeat(1_000_000);

const ROWS: [string, () => unknown, string][] = [
  ['an unknown state key', () => savedStateFromJson(parseJsonText(`{"${HUGE}":1}`)), 'unknown_field'],
  ['a state u32 as a huge string', () => savedStateFromJson(parseJsonText(`{"partition_memory":[{"vnode":"${HUGE}"}]}`)), 'bad_value'],
  ['a state type name', () => savedStateFromJson(parseJsonText(`{"partition_memory":[{"vtl_type":"${HUGE}"}]}`)), 'unknown_name'],
  ['a state u64 of a million digits', () => savedStateFromJson(parseJsonText(`{"partition_mmio":[{"range":{"start":"${DIGITS}"}}]}`)), 'bad_value'],
  ['a number of a million digits', () => savedStateFromJson(parseJsonText(`{"partition_memory":[{"vnode":${DIGITS}}]}`)), 'bad_value'],
  ['a duplicate huge key', () => parseJsonText(`{"${HUGE}":1,"${HUGE}":2}`), 'duplicate_key'],
  ['a huge string as header bytes', () => decodeHeader(HUGE as unknown as Uint8Array), 'bad_argument'],
  ['a huge string as a header field', () => encodeHeader({ magic: HUGE as unknown as bigint, protobufBase: 0n, protobufRegionLen: 0n, protobufPayloadLen: 0n }), 'value_out_of_range'],
];

describe('error messages quote at most ~60 characters of a value', () => {
  test.each(ROWS)('%s', (_label, call, code) => {
    let thrown: unknown;
    try {
      call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Vtl2PersistError);
    expect((thrown as Vtl2PersistError).code).toBe(code);
    expect((thrown as Error).message.length).toBeLessThan(400);
    expect((thrown as Error).message).not.toContain('x'.repeat(80));
    expect((thrown as Error).message).not.toContain('9'.repeat(80));
  });
});
