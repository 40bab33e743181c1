import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { inspectBytes } from '../../src/boot/inspection.js';
import { Vtl2PersistError } from '../../src/errors.js';
import { encodeSavedState } from '../../src/format/encode.js';
import { savedStateFromJson } from '../../src/format/state-json.js';
import { walkWire, wireRowToJson } from '../../src/format/wire-walk.js';
import { crashSweep } from '../../src/sim/crash-sweep.js';
import { exploreData } from '../../src/sim/explore-data.js';
import type { ByteViewJson } from '../../src/sim/explore-types.js';
import { runScenario } from '../../src/sim/runner.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import { buildImage } from '../../src/usermode/region-image.js';

const stateJson = JSON.parse(readFileSync(new URL('../../docs/examples/state.json', import.meta.url), 'utf8'));
const state = savedStateFromJson(stateJson);
const payload = encodeSavedState(state);
const image = buildImage(payload, 0x8000000n);
const scenario = parseScenarioFile(JSON.parse(readFileSync(new URL('../../docs/examples/torn-save.json', import.meta.url), 'utf8')))[0]!;

const spanAt = (v: ByteViewJson, offset: number) => v.spans.find((s) => s.start <= offset && offset < s.end);

/** Spans are sorted, non-overlapping and never empty. */
function wellFormed(v: ByteViewJson) {
  for (const [i, s] of v.spans.entries()) {
    expect(s.end).toBeGreaterThan(s.start);
    if (i > 0) expect(s.start).toBeGreaterThanOrEqual(v.spans[i - 1]!.end);
  }
}

/** Every wire row's tag byte is a span with the row's path, and value bytes carry its value, at the payload's offset. */
function matchesWire(v: ByteViewJson, bytes: Uint8Array, at: number) {
  const rows = Array.from(walkWire(bytes).rows).map(wireRowToJson);
  expect(rows.length).toBeGreaterThan(10);
  for (const r of rows) {
    const tag = spanAt(v, at + (r['offset'] as number))!;
    expect(tag.path).toBe(r['path']);
    expect(tag.wireType).toBe(r['wire_type_name']);
    if (r['value'] !== undefined) {
      expect(tag.valueHex).toBe(r['value']);
      const last = spanAt(v, at + (r['end'] as number) - 1)!;
      expect(last.path).toBe(r['path']);
      expect(last.kind).toBe('value');
      expect(last.meaning).toBe(r['meaning']);
    }
  }
}

describe('exploreData: a region dump', () => {
  const d = exploreData({ kind: 'bytes', name: 'region.bin', bytes: image }, { base: 0x8000000n });

  test('is a region; the header fields cover bytes 0..32 with their paths and the inspector values', () => {
    expect(d.input.kind).toBe('region');
    const v = d.bytes!;
    wellFormed(v);
    const paths = ['header.magic', 'header.protobuf_base', 'header.protobuf_region_len', 'header.protobuf_payload_len'];
    for (let o = 0; o < 32; o++) {
      expect(spanAt(v, o)).toMatchObject({ kind: 'header', path: paths[o >> 3], start: (o >> 3) * 8, end: (o >> 3) * 8 + 8 });
    }
    expect(spanAt(v, 8)).toMatchObject({ valueHex: '0x8001000', valueDec: '134221824' });
    expect(spanAt(v, 24)).toMatchObject({ valueHex: `0x${payload.length.toString(16)}` });
    expect(spanAt(v, 8)!.meaning).toContain('base + 0x1000');
    expect(spanAt(v, 100)).toMatchObject({ kind: 'padding', path: 'header_page.unused' });
    expect(v.base).toBe('0x8000000');
  });

  test("each payload byte's span is the inspector's wire row at that offset", () => {
    matchesWire(d.bytes!, payload, 0x1000);
    expect(spanAt(d.bytes!, 0x1000 + payload.length + 5)).toMatchObject({ kind: 'padding', path: 'payload_region.unused' });
  });

  test('is capped at 64 KiB by default, and maxBytes raises it', () => {
    expect(d.bytes).toMatchObject({ length: image.length, shown: 65536, truncated: true });
    expect(d.bytes!.hex).toHaveLength(65536 * 2);
    expect(d.bytes!.spans.every((s) => s.start < 65536)).toBe(true);
    const all = exploreData({ kind: 'bytes', name: 'r', bytes: image }, { maxBytes: 1 << 20 });
    expect(all.bytes).toMatchObject({ shown: image.length, truncated: false });
  });

  test('findings and the saved map are the inspector and the state', () => {
    expect(d.findings).toEqual(inspectBytes(image, { base: 0x8000000n }).findings);
    expect(d.savedMap!.ranges).toHaveLength(state.partitionMemory.length + state.partitionMmio.length);
    expect(d.boots).toEqual([]);
    expect(d.sweep).toBeNull();
  });
});

describe('exploreData: a bare payload and a broken one', () => {
  test('a bare payload: spans start at offset 0', () => {
    const d = exploreData({ kind: 'bytes', name: 'p.bin', bytes: payload });
    expect(d.input.kind).toBe('payload');
    wellFormed(d.bytes!);
    matchesWire(d.bytes!, payload, 0);
    expect(d.bytes!.errorOffset).toBeNull();
  });

  test("a decode error's byte is marked, at the decoder's offset", () => {
    const bad = payload.slice(0, 40);
    const err = walkWire(bad).error!;
    const d = exploreData({ kind: 'bytes', name: 'bad.bin', bytes: bad });
    expect(d.bytes!.errorOffset).toBe(err.offset);
    const s = spanAt(d.bytes!, err.offset)!;
    expect(s).toMatchObject({ kind: 'error', start: err.offset, end: err.offset + 1 });
    expect(s.meaning).toContain('openhcl_boot would panic: failed to decode protobuf');
    wellFormed(d.bytes!);
    expect(d.savedMap).toBeNull();
    expect(d.findings.map((f) => f.code)).toContain('payload_rejected');
  });

  test('an unknown field is marked unknown', () => {
    const withUnknown = Uint8Array.of(...payload, 0x28, 0x05);
    const d = exploreData({ kind: 'bytes', name: 'u.bin', bytes: withUnknown });
    expect(spanAt(d.bytes!, payload.length)).toMatchObject({ kind: 'unknown', path: '<field 5>' });
    expect(spanAt(d.bytes!, payload.length + 1)).toMatchObject({ kind: 'unknown', valueHex: '0x5' });
  });
});

describe('exploreData: a state JSON', () => {
  test("is the image 'image' builds at its header entry, explored as a dump", () => {
    const d = exploreData({ kind: 'state', name: 'state.json', state });
    expect(d.input.kind).toBe('state');
    expect(d.input.detection).toContain(`encoded (${payload.length} bytes)`);
    expect(d.bytes!.hex).toBe(Buffer.from(image.subarray(0, 65536)).toString('hex'));
    expect(spanAt(d.bytes!, 9)!.path).toBe('header.protobuf_base');
    matchesWire(d.bytes!, payload, 0x1000);
    expect(d.findings).toEqual([]);
  });

  test('a sweep of a state is an ArgumentError', () => {
    expect(() => exploreData({ kind: 'state', name: 's', state }, { sweep: true })).toThrow(Vtl2PersistError);
  });
});

describe('exploreData: a scenario (docs/examples/torn-save.json)', () => {
  const d = exploreData({ kind: 'scenario', name: 'torn-save.json', scenario }, { sweep: true });
  const sim = runScenario(scenario);

  test("one boot view per boot step; paths and verdicts are simulate's", () => {
    const boots = sim.steps.map((s, i) => [s, i] as const).filter(([s]) => s.op === 'boot');
    expect(d.boots.map((b) => b.step)).toEqual(boots.map(([, i]) => i));
    for (const [b, [s]] of d.boots.map((b, i) => [b, boots[i]!] as const)) {
      if (s.op !== 'boot') throw new Error('not a boot');
      expect(b.verdict.path).toBe(s.path);
      if (s.path === 'panic') expect(b.verdict.text).toBe(`openhcl_boot would panic: ${s.panic}`);
      else expect(b.verdict.text).toContain(s.reason);
      expect(b.map === undefined).toBe(s.path === 'panic');
      expect(b.trail.length).toBeGreaterThan(0);
    }
    expect(d.boots[2]!.label).toContain('after a torn save');
  });

  test('the bytes are the region after the torn save: the old header over the shorter payload', () => {
    expect(d.input.detection).toContain('after step 4');
    const v = d.bytes!;
    expect(spanAt(v, 24)!.valueDec).toBe('331');
    const save = sim.steps[3]!;
    expect('payload_hex' in save).toBe(true);
    const newPayload = Buffer.from((save as { payload_hex: string }).payload_hex, 'hex');
    expect(newPayload.length).toBe(327);
    expect(v.hex.slice(0x1000 * 2, (0x1000 + 327) * 2)).toBe(newPayload.toString('hex'));
  });

  test('consecutive successful boots compared; the sweep equals crash-sweep', () => {
    expect(d.comparisons.map((c) => [c.from, c.to])).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(d.comparisons.every((c) => c.changes.every((x) => x.change === 'same'))).toBe(true);
    expect(d.sweep!.counts).toEqual(crashSweep(scenario, { granularity: 'byte' }).counts);
  });
});
