/**
 * src/memory — the guest-physical side of the handoff: a sparse simulated GPA
 * space (`GuestMemory`), page-aligned ranges with the upstream range algebra,
 * and the memory-type value sets. Imports nothing else from this project.
 */
export {
  DEFAULT_MAX_ACCESS_LENGTH,
  GuestMemory,
  GuestMemoryError,
  type GuestMemoryErrorCode,
  type GuestMemoryOptions,
} from './guest-memory.js';
export { AlignedSubranges } from './aligned-subranges.js';
export {
  InvalidMemoryRange,
  MAX_ADDRESS,
  MemoryRange,
  MemoryRangeError,
  PAGE_SIZE,
  formatHex,
  formatSize,
  type MemoryRangeErrorCode,
  type MemoryRangeErrorFields,
} from './range.js';
export {
  RangeAlgebraError,
  flattenRanges,
  mergeAdjacentRanges,
  overlappingRanges,
  subtractRanges,
  walkRanges,
  type RangeAlgebraErrorCode,
  type RangeAlgebraErrorFields,
  type RangeWalkResult,
} from './range-algebra.js';
export {
  IgvmMemoryType,
  MemoryVtlType,
  ReservedType,
  VtlTypeError,
  igvmTypeFromName,
  igvmTypeName,
  isRam,
  isReservedType,
  isVtl2,
  reservedTypeToVtlType,
  vtlTypeFromName,
  vtlTypeName,
  type IgvmMemoryTypeName,
  type MemoryVtlTypeName,
  type VtlTypeErrorCode,
} from './vtl-type.js';
