/**
 * src/usermode — what OpenHCL's usermode does with the boot shim's output: parse the /openhcl
 * map and, at servicing time, write the persisted state (upstream `bootloader_fdt_parser`, `underhill_core`
 * `loader/vtl2_config` `write_persisted_info`) with the CPU lists derived from the NVMe saved state
 * (`nvme_manager/save_restore_helpers` `nvme_interrupt_state`), and the region's layout (a whole
 * region image from a payload, `buildImage`).
 * Depends only on src/format and src/memory.
 */
export {
  UsermodeParseError,
  parseOpenhclMap,
  type OpenhclDtNode,
  type OpenhclMapEntry,
  type OpenhclMemoryEntry,
  type OpenhclMmioEntry,
  type ParsedOpenhclMap,
  type UsermodeParseErrorCode,
} from './openhcl-map.js';
export {
  nvmeInterruptState,
  nvmeManagerStateFromJson,
  type NvmeDiskState,
  type NvmeIoQueueState,
  type NvmeManagerState,
} from './nvme-interrupts.js';
export {
  IMAGE_LEN,
  PAYLOAD_REGION_LEN,
  PERSISTED_AREA_LEN,
  RegionImageError,
  buildImage,
  startsWithMagic,
  type RegionImageErrorCode,
} from './region-image.js';
export {
  NO_RUNNING_INSTANCE_ERROR,
  PersistedStateWriteError,
  buildSavedState,
  planSave,
  saveErrorToJson,
  saveResultToJson,
  writePersistedState,
  type AppliedStore,
  type PersistedStateWriteErrorCode,
  type PlannedStore,
  type SaveCpuLists,
  type SavePlan,
  type SaveResult,
  type SaveStepErrorJson,
  type SaveStepJson,
  type StoreAction,
  type WritePersistedStateOptions,
} from './writer.js';
