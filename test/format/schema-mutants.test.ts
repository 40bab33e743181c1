/**
 * The codec refuses to load against a `.proto` whose shape it was not written for. The shipped
 * schema always passes, so each test loads the codec afresh over a protobufjs whose parsed root
 * is edited first (a field removed, retyped or renumbered) and checks the load-time error. Written
 * for mutation testing (`npm run mutate`): the mutants are those errors' message strings in
 * src/format/schema.ts (`field()`) and src/format/encode.ts (`key()` and the wrapper check), which
 * no other test reaches.
 */
import type protobuf from 'protobufjs';
import { afterEach, describe, expect, test, vi } from 'vitest';

/** Loads `module` with a fresh module graph in which every parsed `.proto` root is edited by `edit`. */
async function loadWithSchema(module: string, edit: (root: protobuf.Root) => void): Promise<unknown> {
  vi.resetModules();
  vi.doMock('protobufjs', async (importOriginal) => {
    const real = ((await importOriginal()) as { default: typeof protobuf }).default;
    class EditedRoot extends real.Root {
      override loadSync(...args: Parameters<protobuf.Root['loadSync']>): protobuf.Root {
        const root = super.loadSync(...args);
        edit(root);
        return root;
      }
    }
    return { default: { ...real, Root: EditedRoot } };
  });
  return import(module);
}

const BOOT = 'openhcl.openhcl_boot';

afterEach(() => {
  vi.doUnmock('protobufjs');
  vi.resetModules();
});

describe('the codec checks the .proto shape when it loads', () => {
  test('the shipped schema loads (the control for the rows below)', async () => {
    await expect(loadWithSchema('../../src/format/encode.js', () => {})).resolves.toHaveProperty('encodeSavedState');
  });

  test('a field the codec reads is missing', async () => {
    const edit = (root: protobuf.Root) => {
      const t = root.lookupType('topology.MemoryRange');
      t.remove(t.fields['end']!);
    };
    await expect(loadWithSchema('../../src/format/schema.js', edit)).rejects.toThrow('schema: topology.MemoryRange.end is missing from the .proto');
  });

  test('a field has another type than the codec implements', async () => {
    const edit = (root: protobuf.Root) => {
      root.lookupType(`${BOOT}.MemoryEntry`).fields['vnode']!.type = 'uint64';
    };
    await expect(loadWithSchema('../../src/format/schema.js', edit)).rejects.toThrow(`schema: ${BOOT}.MemoryEntry.vnode is u64, the codec implements u32`);
  });

  test('a field number of 16 or more, whose key would not be one byte', async () => {
    const edit = (root: protobuf.Root) => {
      root.lookupType(`${BOOT}.SavedState`).fields['cpus_with_outstanding_io']!.id = 16;
    };
    await expect(loadWithSchema('../../src/format/encode.js', edit)).rejects.toThrow('schema: the key of field 16 is not one byte');
  });

  test('the two wrapper messages wrapping different field numbers', async () => {
    const edit = (root: protobuf.Root) => {
      root.lookupType(`${BOOT}.IgvmMemoryType`).fields['field1']!.id = 2;
    };
    await expect(loadWithSchema('../../src/format/encode.js', edit)).rejects.toThrow('schema: MemoryVtlType and IgvmMemoryType must wrap the same field number');
  });
});

describe('protoField, called directly', () => {
  // The same two refusals as above, through the exported function, so that a per-test coverage
  // run (which cannot see code that runs only while a module loads) attributes them.
  test('a field the .proto does not have', async () => {
    const { protoField } = await import('../../src/format/schema.js');
    expect(() => protoField('topology.MemoryRange', 'middle', 'u64')).toThrow(new Error('schema: topology.MemoryRange.middle is missing from the .proto'));
  });

  test('a field of another shape', async () => {
    const { protoField } = await import('../../src/format/schema.js');
    expect(() => protoField('topology.MemoryRange', 'start', 'u32')).toThrow(new Error('schema: topology.MemoryRange.start is u64, the codec implements u32'));
    expect(protoField('topology.MemoryRange', 'end', 'u64')).toBe(2);
  });
});
