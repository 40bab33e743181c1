/**
 * src/sim/hardening — the hardening lab: hypothetical writer and reader changes to the
 * persisted-state handoff (none of them OpenHCL's), swept against torn saves and read across
 * versions with the exact emulation of today's boot shim (docs/hardening.md).
 */
export {
  CHECK_FAIL_ACTIONS,
  HYPOTHETICAL_PANIC_KIND,
  hardeningLab,
  type CheckFailAction,
  type HardenOptions,
  type HardenReport,
  type LabSweep,
  type VariantReport,
} from './lab.js';
export { hardenReportToJson, labSweepToJson, variantReportToJson } from './report-json.js';
export {
  CRC_MARKER,
  GENERATION_FIELD,
  VARIANT_NAMES,
  VARIANTS,
  slots,
  type CheckVerdict,
  type CheckWork,
  type HardeningVariant,
  type SaveGeometry,
  type SaveInput,
  type VariantName,
} from './variants.js';
