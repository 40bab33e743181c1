import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { encodeSavedState } from '../../src/format/encode.js';
import { encodeHeader, PERSISTED_STATE_MAGIC } from '../../src/format/header.js';

// docs/format.md shows bytes to people; these tests keep them equal to what the code writes.
const doc = readFileSync(new URL('../../docs/format.md', import.meta.url), 'utf8');

/** The hex of a fenced block that follows `marker`, annotations (after two spaces and a non-hex word) stripped. */
function blockHex(marker: string): string {
  const at = doc.indexOf(marker);
  expect(at).toBeGreaterThanOrEqual(0);
  const block = doc.slice(doc.indexOf('```\n', at) + 4, doc.indexOf('\n```', doc.indexOf('```\n', at) + 4));
  return block
    .split('\n')
    .map((line) => line.split(/\s{2,}(?=[a-z"]+[\s:=(])/i)[0]!.replace(/[^0-9a-f]/gi, ''))
    .join('');
}

describe('docs/format.md', () => {
  test('the 78-byte example is what encodeSavedState writes', () => {
    const entry = (start: bigint, end: bigint, vnode: number, vtlType: number) => ({ range: { start, end }, vnode, vtlType, igvmType: 3 });
    const bytes = encodeSavedState({
      partitionMemory: [entry(0x0n, 0x1000n, 0, 11), entry(0x1000n, 0x20000n, 1, 12)],
      partitionMmio: [
        { range: { start: 0xf0000000n, end: 0xf8000000n }, vtlType: 5 },
        { range: { start: 0xfc0000000n, end: 0x1000000000n }, vtlType: 6 },
      ],
      cpusWithMappedInterruptsNoIo: [],
      cpusWithOutstandingIo: [],
    });
    expect(bytes.length).toBe(78);
    expect(blockHex('The 78-byte example')).toBe(Buffer.from(bytes).toString('hex'));
  });

  test("worked example A's header is what encodeHeader writes", () => {
    const bytes = encodeHeader({ magic: PERSISTED_STATE_MAGIC, protobufBase: 0x8001000n, protobufRegionLen: 0x13000n, protobufPayloadLen: 330n });
    const line = doc.slice(doc.indexOf("Worked example A's header"));
    const shown = line.slice(line.indexOf('```\n') + 4).split('\n')[0]!.replace(/\s+/g, '');
    expect(shown).toBe(Buffer.from(bytes).toString('hex'));
  });
});

describe('docs/testing-guide.md', () => {
  test('shows the example test file verbatim (the file itself runs in this suite)', () => {
    const guide = readFileSync(new URL('../../docs/testing-guide.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('./testing-guide.example.test.ts', import.meta.url), 'utf8');
    expect(guide).toContain('```ts\n' + example + '```');
  });
});

describe('docs/servicing-walkthrough.md', () => {
  test("embeds the demo's real output verbatim", async () => {
    const { demoText, runDemo } = await import('../../src/cli/demo.js');
    const doc = readFileSync(new URL('../../docs/servicing-walkthrough.md', import.meta.url), 'utf8');
    expect(doc).toContain('```\n' + demoText(runDemo()) + '\n```');
  });
});

describe('docs/header-layout.md', () => {
  test("embeds inspect's real output for the example region and its draft-magic twin", async () => {
    const { runInspect } = await import('../../src/cli/inspect.js');
    const { encodeSavedState } = await import('../../src/format/encode.js');
    const { demoState } = await import('../../src/cli/demo.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const doc = readFileSync(new URL('../../docs/header-layout.md', import.meta.url), 'utf8');
    // The region OpenHCL leaves for worked example A: header page, then the 19-page payload region.
    const payload = encodeSavedState(demoState());
    const region = new Uint8Array(0x14000);
    region.set(encodeHeader({ magic: PERSISTED_STATE_MAGIC, protobufBase: 0x8001000n, protobufRegionLen: 0x13000n, protobufPayloadLen: BigInt(payload.length) }));
    region.set(payload, 0x1000);
    const draft = region.slice();
    draft.set(Buffer.from('RDHPLCHO', 'latin1'), 0);
    const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-layout-'));
    for (const [name, bytes] of [['region.bin', region], ['draft.bin', draft]] as const) {
      writeFileSync(join(dir, name), bytes);
      let text = '';
      const sink = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
      runInspect([join(dir, name), '--base', '0x8000000'], { stdout: sink, stderr: sink, env: { NO_COLOR: '1' } });
      const headerBlock = text.split('\n').slice(2, 12).join('\n');
      expect(doc).toContain('```\n' + headerBlock + '\n```');
    }
  });
});
