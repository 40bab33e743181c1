/**
 * src/sim — servicing scenarios: the scenario-file format and a runner that
 * drives one simulated VM (one guest memory) through boot, save, corrupt and
 * boot steps, reporting each step in the documented result shape. On top of
 * the runner: the demo lifecycle, multi-generation campaigns with drift, the
 * crash-consistency sweep of a save, the hardening lab that sweeps hypothetical
 * format changes the same way, and the schema-version compatibility
 * matrix, each returning a typed report a test can assert on.
 */
export {
  bootResultToJson,
  headerToJson,
  type BootExtrasJson,
  type BootPanicJson,
  type BootStepResult,
  type BootSuccessJson,
  type BumpHeapJson,
  type CorruptAppliedJson,
  type CorruptErrorJson,
  type CorruptStepResult,
  type PersistedHeaderJson,
  type SaveStepResult,
  type StepResult,
} from './result-json.js';
export { DRIFT_KINDS, GenerationsError, generationsReportToJson, runGenerations, type DriftKind, type GenerationResult, type GenerationsOptions, type GenerationsReport, type InvariantCheck } from './generations.js';
export { runScenario, SimulatedVm, type RunOptions, type ScenarioResult } from './runner.js';
export {
  applyOverride,
  defaultLifecycle,
  parseScenario,
  parseScenarioFile,
  parseScenarioFileText,
  resolveBootInputs,
  type BootInputs as ResolvedBootInputs,
  type BootStep,
  type Corruption,
  type CorruptStep,
  type JsonObject,
  type MemoryImage,
  type RawBootInputs,
  type SaveStep,
  type Scenario,
  type Step,
} from './scenario-file.js';
export {
  BEFORE_STATES,
  GRANULARITY_BYTES,
  SWEEP_GRANULARITIES,
  crashPoints,
  describeStores,
  mulberry32,
  prepareBefore,
  splitStores,
  type BeforeState,
  type StoreUnit,
  type SweepStore,
} from './crash-model.js';
export * from './hardening/index.js';
export * from './evolve/index.js';
export { referenceOutcome, sweepOutcomeToJson, tallyOutcomes, topologyOf, type SweepTally, type SweptBoot } from './sweep-outcome.js';
export {
  CrashSweepError,
  DEFAULT_SWEEP_SAVES,
  OUTCOME_CLASSES,
  classifyBoot,
  crashSweep,
  defaultCrashSweepScenario,
  defaultCrashSweepScenarioJson,
  prepareSweep,
  sweepReportToJson,
  topologyDifferences,
  type CrashSweepErrorCode,
  type CrashSweepOptions,
  type OutcomeClass,
  type ReferenceOutcome,
  type SweepGranularity,
  type SweepOutcome,
  type SweepReport,
  type SweepSetup,
  type SweepSegment,
  type SweepTopology,
  type TornState,
} from './crash-sweep.js';
export {
  READER_SIDECAR_RULE,
  compatMatrix,
  compatReport,
  defaultCompatScenario,
  writerState,
  type CompatCell,
  type CompatListCell,
  type CompatReport,
  type CompatScenario,
  type CompatSidecar,
  type CompatWriter,
  type SidecarRule,
} from './compat.js';
export { DEMO_CPUS, DEMO_VM, carriedOver, demoJson, demoState, runDemo, verdict, type DemoResult, type VmInputsJson } from './demo.js';
export { exampleAInputs, exampleAMap } from './examples.js';
export { exploreData, type ExploreOptions, type ExploreSource } from './explore-data.js';
export { DEFAULT_SHOWN_BYTES, byteView } from './explore-bytes.js';
export { MAX_MAP_RANGES, bootMap, compareMaps, mapKindOf, savedStateMap } from './memory-map-model.js';
export { sweepGrid } from './sweep-grid.js';
export type * from './explore-types.js';
