import { describe, expect, it } from 'vitest';

import { buildOpenhclMemoryMap, openhclMapToFdtNodes, type OpenhclFdtNode } from '../../src/boot/device-tree.js';
import { Vtl2PersistError } from '../../src/errors.js';
import { MemoryRange } from '../../src/memory/range.js';
import { MemoryVtlType } from '../../src/memory/vtl-type.js';
import {
  parseOpenhclMap,
  UsermodeParseError,
  type OpenhclDtNode,
  type UsermodeParseErrorCode,
} from '../../src/usermode/index.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const V = MemoryVtlType;

/** A memory node as the boot shim writes it. */
const mem = (start: bigint, len: bigint, memoryType: number, numaNodeId = 0, igvmType = 3): OpenhclDtNode => ({
  name: `memory@${start.toString(16)}`,
  reg: [start, len],
  memoryType,
  numaNodeId,
  igvmType,
});
/** An MMIO node as the boot shim writes it. */
const mmio = (start: bigint, len: bigint, memoryType: number): OpenhclDtNode => ({
  name: `memory@${start.toString(16)}`,
  reg: [start, len],
  memoryType,
});

/** The smallest map usermode accepts: a persisted header and payload. */
const BASE: OpenhclDtNode[] = [mem(0x8000000n, 0x1000n, V.VTL2_PERSISTED_STATE_HEADER), mem(0x8001000n, 0x13000n, V.VTL2_PERSISTED_STATE_PROTOBUF)];

function parseError(nodes: OpenhclDtNode[]): UsermodeParseError {
  try {
    parseOpenhclMap(nodes);
  } catch (e) {
    expect(e).toBeInstanceOf(UsermodeParseError);
    expect(e).toBeInstanceOf(Vtl2PersistError);
    return e as UsermodeParseError;
  }
  return expect.fail('expected a UsermodeParseError');
}

describe('parseOpenhclMap (upstream bootloader_fdt_parser parse_openhcl)', () => {
  it('parses memory and MMIO nodes, stable-sorts by start and derives every field', () => {
    const nodes: OpenhclDtNode[] = [
      mem(0x0n, 0x8000000n, V.VTL0, 0, 0),
      mem(0x8014000n, 0x10000n, V.VTL2_CONFIG, 0),
      ...BASE,
      mem(0x8024000n, 0x4000n, V.VTL2_RESERVED, 0),
      mem(0x8028000n, 0x100000n, V.VTL2_GPA_POOL, 1),
      mem(0x8128000n, 0x10000n, V.VTL2_CONFIG, 0),
      mem(0x8138000n, 0x200000n, V.VTL2_GPA_POOL, 2),
      mmio(0xf800000000n, 0x10000000n, V.VTL2_MMIO),
      mmio(0xe0000000n, 0x1c000000n, V.VTL0_MMIO),
      mmio(0x2000000000n, 0x100000000n, V.VTL0_MMIO),
    ];
    const p = parseOpenhclMap(nodes);
    expect(p.partitionMemoryMap.map((e) => e.range.start)).toEqual([
      0x0n,
      0x8000000n,
      0x8001000n,
      0x8014000n,
      0x8024000n,
      0x8028000n,
      0x8128000n,
      0x8138000n,
      0xe0000000n,
      0x2000000000n,
      0xf800000000n,
    ]);
    expect(p.partitionMemoryMap[0]).toEqual({ kind: 'memory', range: R(0x0n, 0x8000000n), vnode: 0, vtlType: V.VTL0, igvmType: 0 });
    expect(p.partitionMemoryMap[8]).toEqual({ kind: 'mmio', range: R(0xe0000000n, 0xfc000000n), vtlType: V.VTL0_MMIO });
    expect(p.configRanges).toEqual([R(0x8014000n, 0x8024000n), R(0x8128000n, 0x8138000n)]);
    expect(p.vtl2ReservedRange).toEqual(R(0x8024000n, 0x8028000n));
    expect(p.privatePoolRanges).toEqual([
      { range: R(0x8028000n, 0x8128000n), vnode: 1 },
      { range: R(0x8138000n, 0x8338000n), vnode: 2 },
    ]);
    expect(p.vtl2PersistedHeader).toEqual(R(0x8000000n, 0x8001000n));
    expect(p.vtl2PersistedProtobufRegion).toEqual(R(0x8001000n, 0x8014000n));
    expect(p.vtl0Mmio).toEqual([R(0xe0000000n, 0xfc000000n), R(0x2000000000n, 0x2100000000n)]);
  });

  it('the reserved range is EMPTY when there is none; no pool and no config give empty lists', () => {
    const p = parseOpenhclMap(BASE);
    expect(p.vtl2ReservedRange).toBe(MemoryRange.EMPTY);
    expect(p.configRanges).toEqual([]);
    expect(p.privatePoolRanges).toEqual([]);
    expect(p.vtl0Mmio).toEqual([]);
  });

  it('sorting is stable: equal starts keep DT order', () => {
    const p = parseOpenhclMap([...BASE, mmio(0x8001000n, 0n, V.VTL2_MMIO), mmio(0x8001000n, 0n, V.VTL0_MMIO)]);
    expect(p.partitionMemoryMap.map((e) => e.vtlType)).toEqual([11, 12, 6, 5]);
  });

  it('truncates the igvm-type cell to u16, as upstream `as u16`', () => {
    const p = parseOpenhclMap([...BASE, mem(0x9000000n, 0x1000n, V.VTL0, 0, 0x1_0003)]);
    expect(p.partitionMemoryMap[2]).toMatchObject({ igvmType: 3 });
  });

  const errorCases: [string, OpenhclDtNode[], UsermodeParseErrorCode, string | RegExp][] = [
    ['unknown memory type on a node (not ram(): parsed as MMIO)', [...BASE, mmio(0x9000000n, 0x1000n, 13)], 'invalid_mmio_vtl_usage', 'invalid vtl_usage MemoryVtlType(13) type for mmio node'],
    [
      'two VTL2_RESERVED ranges',
      [...BASE, mem(0x9000000n, 0x1000n, V.VTL2_RESERVED), mem(0x9002000n, 0x1000n, V.VTL2_RESERVED)],
      'multiple_reserved_ranges',
      'multiple VTL2 reserved ranges found',
    ],
    ['no header', [BASE[1] as OpenhclDtNode], 'no_persisted_header', 'no VTL2 persisted header range found'],
    [
      'two headers (a header split at a host-entry boundary)',
      [mem(0x8000000n, 0x1000n, V.VTL2_PERSISTED_STATE_HEADER, 0), mem(0x8001000n, 0x1000n, V.VTL2_PERSISTED_STATE_HEADER, 1), mem(0x8002000n, 0x13000n, V.VTL2_PERSISTED_STATE_PROTOBUF)],
      'multiple_persisted_headers',
      'multiple VTL2 persisted header ranges found',
    ],
    ['no payload region (a 1-page persisted span)', [BASE[0] as OpenhclDtNode], 'no_persisted_protobuf_region', 'no VTL2 persisted protobuf region range found'],
    [
      'two payload regions',
      [...BASE, mem(0x9000000n, 0x1000n, V.VTL2_PERSISTED_STATE_PROTOBUF)],
      'multiple_persisted_protobuf_regions',
      'multiple VTL2 persisted protobuf region ranges found',
    ],
    ['an empty map', [], 'no_persisted_header', 'no VTL2 persisted header range found'],
    ['memory node without reg', [...BASE, { name: 'memory@9000000', memoryType: 1, numaNodeId: 0, igvmType: 3 }], 'missing_reg', 'memory@9000000 missing reg'],
    ['memory node with 3 reg cells', [...BASE, { ...mem(0x9000000n, 0x1000n, 1), reg: [0x9000000n, 0x1000n, 0n] }], 'invalid_reg_size', 'memory@9000000 invalid reg size'],
    ['memory node without numa-node-id', [...BASE, { name: 'memory@9000000', reg: [0x9000000n, 0x1000n], memoryType: 1, igvmType: 3 }], 'missing_numa_node_id', 'memory@9000000 missing numa-node-id'],
    ['memory node without igvm-type', [...BASE, { name: 'memory@9000000', reg: [0x9000000n, 0x1000n], memoryType: 1, numaNodeId: 0 }], 'missing_igvm_type', 'memory@9000000 missing microsoft,igvm-type'],
    ['node without memory-type', [...BASE, { name: 'memory@9000000', reg: [0x9000000n, 0x1000n] }], 'missing_memory_type', 'memory@9000000 missing openhcl,memory-type'],
    ['unaligned memory range', [...BASE, mem(0x9000800n, 0x1000n, 1)], 'invalid_memory_range', /^invalid memory range: assertion failed: range\.start/],
    ['memory range ending past 2^64', [...BASE, mem(0xffff_ffff_ffff_f000n, 0x2000n, 1)], 'invalid_memory_range', /^invalid memory range: end overflows u64/],
    ['unaligned MMIO length', [...BASE, mmio(0x9000000n, 0x800n, V.VTL0_MMIO)], 'invalid_mmio_range', /^invalid mmio range: assertion failed: range\.end/],
  ];
  it.each(errorCases)('%s → %s', (_, nodes, code, text) => {
    const e = parseError(nodes);
    expect(e.code).toBe(code);
    if (typeof text === 'string') expect(e.message).toBe(text);
    else expect(e.message).toMatch(text);
  });

  it('checks reserved before header before payload (upstream derivation order)', () => {
    const e = parseError([mem(0x0n, 0x1000n, V.VTL2_RESERVED), mem(0x1000n, 0x1000n, V.VTL2_RESERVED)]);
    expect(e.code).toBe('multiple_reserved_ranges');
    const h = parseError([
      mem(0x0n, 0x1000n, V.VTL2_PERSISTED_STATE_HEADER),
      mem(0x1000n, 0x1000n, V.VTL2_PERSISTED_STATE_HEADER),
      mem(0x2000n, 0x1000n, V.VTL2_PERSISTED_STATE_PROTOBUF),
      mem(0x3000n, 0x1000n, V.VTL2_PERSISTED_STATE_PROTOBUF),
    ]);
    expect(h.code).toBe('multiple_persisted_headers');
  });

  it("reads the boot shim's own /openhcl nodes back unchanged (boot → FDT → usermode)", () => {
    const mapNodes = buildOpenhclMemoryMap(
      [
        { range: R(0x0n, 0x8000000n), memType: 0, vnode: 0 },
        { range: R(0x8000000n, 0x8400000n), memType: 3, vnode: 0 },
        { range: R(0x8400000n, 0x9000000n), memType: 3, vnode: 1 },
      ],
      [
        { range: R(0x8000000n, 0x8001000n), vtlType: V.VTL2_PERSISTED_STATE_HEADER },
        { range: R(0x8001000n, 0x8014000n), vtlType: V.VTL2_PERSISTED_STATE_PROTOBUF },
        { range: R(0x8014000n, 0x8800000n), vtlType: V.VTL2_RAM },
        { range: R(0x8800000n, 0x8a00000n), vtlType: V.VTL2_GPA_POOL },
      ],
      [R(0xe0000000n, 0xfc000000n)],
      [R(0xf800000000n, 0xf810000000n)],
    );
    const fdt: OpenhclFdtNode[] = openhclMapToFdtNodes(mapNodes);
    const p = parseOpenhclMap(fdt);
    expect(p.partitionMemoryMap.map((e) => `${e.kind} ${e.range} ${e.vtlType}${e.kind === 'memory' ? ` n${e.vnode}` : ''}`)).toEqual([
      'memory 0x0..0x8000000 0 n0',
      'memory 0x8000000..0x8001000 11 n0',
      'memory 0x8001000..0x8014000 12 n0',
      'memory 0x8014000..0x8400000 1 n0',
      'memory 0x8400000..0x8800000 1 n1',
      'memory 0x8800000..0x8a00000 8 n1',
      'memory 0x8a00000..0x9000000 0 n1',
      'mmio 0xe0000000..0xfc000000 5',
      'mmio 0xf800000000..0xf810000000 6',
    ]);
    expect(p.privatePoolRanges).toEqual([{ range: R(0x8800000n, 0x8a00000n), vnode: 1 }]);
  });
});
