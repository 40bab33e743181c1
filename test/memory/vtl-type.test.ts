import { describe, expect, it } from 'vitest';

import { Vtl2PersistError } from '../../src/errors.js';
import type { ReservedType } from '../../src/memory/vtl-type.js';
import {
  IgvmMemoryType,
  igvmTypeFromName,
  igvmTypeName,
  isRam,
  isReservedType,
  isVtl2,
  MemoryVtlType,
  reservedTypeToVtlType,
  VtlTypeError,
  vtlTypeFromName,
  vtlTypeName,
} from '../../src/memory/vtl-type.js';

describe('MemoryVtlType', () => {
  // Upstream `MemoryVtlType::ram()` / `vtl2()` (loader_defs shim.rs), row by row.
  const table: [number, string | undefined, boolean, boolean][] = [
    [0, 'VTL0', true, false],
    [1, 'VTL2_RAM', true, true],
    [2, 'VTL2_CONFIG', true, true],
    [3, 'VTL2_SIDECAR_IMAGE', true, true],
    [4, 'VTL2_SIDECAR_NODE', true, true],
    [5, 'VTL0_MMIO', false, false],
    [6, 'VTL2_MMIO', false, true],
    [7, 'VTL2_RESERVED', true, true],
    [8, 'VTL2_GPA_POOL', true, true],
    [9, 'VTL2_TDX_PAGE_TABLES', true, true],
    [10, 'VTL2_BOOTSHIM_LOG_BUFFER', true, true],
    [11, 'VTL2_PERSISTED_STATE_HEADER', true, true],
    [12, 'VTL2_PERSISTED_STATE_PROTOBUF', true, true],
    [13, undefined, false, false],
    [0xffff_ffff, undefined, false, false],
    [-1, undefined, false, false],
    [1.5, undefined, false, false],
  ];

  it.each(table)('%s is %s (ram=%s, vtl2=%s)', (value, name, ram, vtl2) => {
    expect(vtlTypeName(value)).toBe(name);
    expect(isRam(value)).toBe(ram);
    expect(isVtl2(value)).toBe(vtl2);
  });

  it('"VTL2 RAM" (ram and vtl2) is exactly {1,2,3,4,7,…,12}', () => {
    const vtl2Ram = Array.from({ length: 20 }, (_, v) => v).filter((v) => isRam(v) && isVtl2(v));
    expect(vtl2Ram).toEqual([1, 2, 3, 4, 7, 8, 9, 10, 11, 12]);
  });

  it('names exactly the thirteen upstream values, and names round trip', () => {
    expect(Object.values(MemoryVtlType)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const [name, value] of Object.entries(MemoryVtlType)) {
      expect(vtlTypeFromName(name)).toBe(value);
      expect(vtlTypeName(value)).toBe(name);
    }
  });

  it.each(['vtl0', 'VTL2', 'toString', '__proto__', ''])('does not know the name %j', (name) => {
    expect(vtlTypeFromName(name)).toBeUndefined();
  });
});

describe('IgvmMemoryType', () => {
  it.each([
    [0, 'MEMORY'],
    [1, 'PLATFORM_RESERVED'],
    [2, 'PERSISTENT'],
    [3, 'VTL2_PROTECTABLE'],
    [4, 'SPECIFIC_PURPOSE'],
    [5, 'HIDDEN'],
  ])('%s is %s, both ways', (value, name) => {
    expect(igvmTypeName(value)).toBe(name);
    expect(igvmTypeFromName(name)).toBe(value);
  });

  it('names exactly six values', () => {
    expect(Object.keys(IgvmMemoryType)).toHaveLength(6);
  });

  it.each([6, 0xffff, -1])('has no name for %s', (value) => {
    expect(igvmTypeName(value)).toBeUndefined();
  });

  it.each(['memory', 'VTL2_RAM', 'constructor'])('does not know the name %j', (name) => {
    expect(igvmTypeFromName(name)).toBeUndefined();
  });
});

describe('ReservedType', () => {
  // Upstream `From<ReservedMemoryType> for MemoryVtlType` (openhcl_boot memory.rs).
  it.each([
    ['Vtl2Config', 2],
    ['Vtl2Reserved', 7],
    ['SidecarImage', 3],
    ['SidecarNode', 4],
    ['Vtl2GpaPool', 8],
    ['TdxPageTables', 9],
    ['BootshimLogBuffer', 10],
    ['PersistedStateHeader', 11],
    ['PersistedStatePayload', 12],
  ] as [ReservedType, number][])('%s → %s', (name, vtlType) => {
    expect(isReservedType(name)).toBe(true);
    expect(reservedTypeToVtlType(name)).toBe(vtlType);
    // Every reserved range is VTL2 RAM, never plain VTL2_RAM.
    expect(isRam(vtlType) && isVtl2(vtlType)).toBe(true);
  });

  it.each(['Free', 'Used', 'vtl2config', 'toString'])('rejects %j with a typed error', (name) => {
    expect(isReservedType(name)).toBe(false);
    let caught: unknown;
    try {
      reservedTypeToVtlType(name as ReservedType);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(VtlTypeError);
    expect(caught).toBeInstanceOf(Vtl2PersistError);
    expect((caught as VtlTypeError).code).toBe('unknown_reserved_type');
    expect((caught as VtlTypeError).reservedType).toBe(name);
  });
});
