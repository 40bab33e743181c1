/**
 * The boot shim's inputs, by the import path the rest of the package uses: the JSON readers
 * (`./input-readers.ts`), the boot command-line parser, a port of upstream `cmdline.rs`
 * (`./cmdline.ts`), and the canonical JSON writers (`./input-writers.ts`). Their errors are the
 * JSON reading kit's `JsonInputError` (`src/format/json-read.ts`), exported here as `InputError`.
 */
export {
  /**
   * {@link JsonInputError} under the name boot-input and scenario-file callers know it by:
   * `instanceof InputError` holds for every error the JSON readers throw.
   */
  JsonInputError as InputError,
  /** {@link JsonInputErrorCode} under its boot-input name; the codes are unchanged. */
  type JsonInputErrorCode as InputErrorCode,
} from '../format/json-read.js';
export {
  DEFAULT_DT_PAGE_INDEX,
  DEFAULT_DT_SIZE_PAGES,
  parseCmdlineOptions,
  parseGpaPoolConfig,
  parseHostDt,
  parseMemoryAllocationMode,
  parseShimParams,
  parseSidecarOption,
  readIgvmType,
  readRange,
} from './input-readers.js';
export {
  CONFIDENTIAL_DEBUG,
  DEFAULT_SIDECAR_CPU_THRESHOLD,
  DISABLE_NVME_KEEP_ALIVE,
  ENABLE_VTL2_GPA_POOL,
  IGVM_VTL2_GPA_POOL_CONFIG,
  SIDECAR,
  VTL2_GPA_POOL_NUMA,
  defaultCmdlineOptions,
  defaultSidecarOption,
  gpaPoolFromCmdline,
  parseBootCommandLine,
} from './cmdline.js';
export {
  cmdlineOptionsToJson,
  hostDtToJson,
  memoryAllocationModeToJson,
  shimParamsToJson,
  type MemoryAllocationModeJson,
} from './input-writers.js';
