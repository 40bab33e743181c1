/**
 * src/boot — the emulated openhcl_boot: from the image's layout (ShimParams),
 * the host device tree, the command line and VTL2 memory, the topology on the
 * fresh path or the restore path, and what the kernel and usermode are told.
 * Where the real boot shim panics, the result says so (`BootPanicResult`); `inspectBytes` tells
 * what it would trip over in a region dump without a boot, quoting the same panic texts.
 */
export { boot, PERSISTED_SPAN_FRESH, type BootInputs, type BootPanicResult, type BootResult, type BootSuccess } from './boot.js';
export {
  AddressSpaceError,
  AddressSpaceManager,
  MAX_ADDRESS_SPACE_ENTRIES,
  MAX_VTL2_RAM_RANGES,
  debugRange,
  initOrPanic,
  type AddressRange,
  type AddressSpaceErrorCode,
  type AddressSpaceErrorFields,
  type AddressSpaceInit,
  type AddressUsage,
  type AllocatableUsage,
  type AllocationPolicy,
  type BuilderRamEntry,
} from './address-space.js';
export { BUMP_HEAP_CAPACITY, type BumpHeapStats } from './bump-heap.js';
export { TRAIL_CHECKS, bootWithTrail, pathChecks, type BootTrail, type TrailCheck, type TrailRecorder, type TrailStep } from './decision-trail.js';
export {
  E820_INLINE_CAPACITY,
  E820_MAX_ENTRIES,
  buildE820,
  buildOpenhclMemoryMap,
  buildRootMemoryNodes,
  e820ToJson,
  openhclMapToFdtNodes,
  openhclMapToJson,
  type E820Entry,
  type E820EntryJson,
  type E820Map,
  type E820Type,
  type OpenhclFdtNode,
  type OpenhclMapNode,
  type OpenhclMapNodeJson,
  type RootMemoryNode,
  type Vtl2RangeEntry,
} from './device-tree.js';
export { MAX_CPU_COUNT, MAX_PARTITION_RAM_RANGES, MAX_VMBUS_MMIO_RANGES, parseHostDeviceTree } from './host-dt-checks.js';
export { MAX_NUMA_NODES, allocateVtl2Ram, freshVtl2Ram, parseHostVtl2Ram, type Vtl2RamEntry } from './host-ram.js';
export {
  InputError,
  DEFAULT_SIDECAR_CPU_THRESHOLD,
  defaultCmdlineOptions,
  defaultSidecarOption,
  parseBootCommandLine,
  parseCmdlineOptions,
  parseHostDt,
  parseShimParams,
  memoryAllocationModeToJson,
  type InputErrorCode,
  type MemoryAllocationModeJson,
} from './inputs.js';
export { selectMmio, selectVtl2MmioRange, type MmioSelection } from './mmio.js';
export { BootPanic, panicKindOf, type PanicKind } from './panic.js';
export { readPersistedHeader, topologyFromPersistedState, type PersistedTopology } from './persisted.js';
export {
  capacityPanic,
  decodeFailedPanic,
  decodePanicText,
  headerEntryMissingPanic,
  headerNotAdjacentPanic,
  payloadLenPanic,
  protobufEntryMissingPanic,
  regionNotContainedPanic,
  regionUnalignedText,
  vtl2RamMismatchPanic,
} from './restore-checks.js';
export { headerFields, type HeaderFieldRow } from './header-fields.js';
export { asciiOf, inspectBytes, type Finding, type InspectMode, type InspectOptions, type Inspection } from './inspection.js';
export { pickPrivatePoolSize, vtl2CalculateDmaHint, type DmaHintTable } from './pool-size.js';
export { sidecarAction, type SidecarAction } from './sidecar.js';
export type {
  CmdlineOptions,
  GpaPoolConfig,
  HostDt,
  HostMemoryEntry,
  Isolation,
  MemoryAllocationMode,
  ShimParams,
  SidecarOption,
  VmbusInfo,
} from './types.js';
