/**
 * src/usermode/region-image.ts: the region image laid out as OpenHCL leaves it (header page, then
 * the 19-page payload region), its typed error for a payload too large, and how the `image`
 * command passes that error's message on (exit 1, docs/cli.md).
 */
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { Vtl2PersistError } from '../../src/errors.js';
import { DRAFT_MAGIC, decodeHeader, PERSISTED_STATE_MAGIC } from '../../src/format/index.js';
import { IMAGE_LEN, PAYLOAD_REGION_LEN, PERSISTED_AREA_LEN, RegionImageError, buildImage, startsWithMagic } from '../../src/usermode/index.js';
import { runCli } from '../support/cli.js';

describe('buildImage', () => {
  it('the sizes OpenHCL reserves: 19 payload pages after the header page, in a 2 MiB area', () => {
    expect(PAYLOAD_REGION_LEN).toBe(0x13000n);
    expect(IMAGE_LEN).toBe(0x14000n);
    expect(PERSISTED_AREA_LEN).toBe(0x20_0000n);
  });

  it('header at 0 pointing one page past base, payload at 0x1000, zeros elsewhere', () => {
    const payload = Uint8Array.of(1, 2, 3, 0xff);
    const image = buildImage(payload, 0x800_0000n);
    expect(image.length).toBe(0x14000);
    expect(decodeHeader(image)).toEqual({ magic: PERSISTED_STATE_MAGIC, protobufBase: 0x800_1000n, protobufRegionLen: 0x13000n, protobufPayloadLen: 4n });
    expect([...image.subarray(0x1000, 0x1004)]).toEqual([1, 2, 3, 0xff]);
    expect(image.subarray(32, 0x1000).every((b) => b === 0)).toBe(true);
    expect(image.subarray(0x1004).every((b) => b === 0)).toBe(true);
  });

  it('a payload of exactly the region fits; one byte more is payload_too_large with both sizes', () => {
    const full = buildImage(new Uint8Array(0x13000).fill(7), 0n);
    expect(decodeHeader(full).protobufPayloadLen).toBe(0x13000n);
    expect(full[0x13fff]).toBe(7);
    let thrown: unknown;
    try {
      buildImage(new Uint8Array(0x13001), 0n);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RegionImageError);
    expect(thrown).toBeInstanceOf(Vtl2PersistError);
    const e = thrown as RegionImageError;
    expect(e.code).toBe('payload_too_large');
    expect(e.payloadLen).toBe(0x13001n);
    expect(e.regionLen).toBe(0x13000n);
    expect(e.message).toBe('the payload is 77825 bytes (0x13001); the payload region holds only 0x13000 (77824) bytes');
  });
});

describe('startsWithMagic', () => {
  const le = (v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    return b;
  };
  it('the shipped and the draft magic; not another value, not fewer than 8 bytes', () => {
    expect(startsWithMagic(le(PERSISTED_STATE_MAGIC))).toBe(true);
    expect(startsWithMagic(le(DRAFT_MAGIC))).toBe(true);
    expect(startsWithMagic(le(PERSISTED_STATE_MAGIC ^ 1n))).toBe(false);
    expect(startsWithMagic(le(PERSISTED_STATE_MAGIC).subarray(0, 7))).toBe(false);
    // A view into a larger buffer is read at its own offset.
    const shifted = new Uint8Array(16);
    shifted.set(le(PERSISTED_STATE_MAGIC), 8);
    expect(startsWithMagic(shifted.subarray(8))).toBe(true);
  });
});

describe('vtl2-persist image', () => {
  it('a payload too large for the region: exit 1, the error\'s message, no output file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'region-image-'));
    writeFileSync(join(dir, 'big.bin'), new Uint8Array(0x13001));
    const out = join(dir, 'region.bin');
    const r = await runCli(['image', '--payload', join(dir, 'big.bin'), '--base', '0x8000000', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('vtl2-persist image: the payload is 77825 bytes (0x13001); the payload region holds only 0x13000 (77824) bytes\n');
    expect(existsSync(out)).toBe(false);
  });
});
