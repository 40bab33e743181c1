/**
 * src/sim — servicing scenarios: the scenario-file format and a runner that
 * drives one simulated VM (one guest memory) through boot, save, corrupt and
 * boot steps, reporting each step in the documented result shape.
 */
export { bootResultToJson, headerToJson } from './result-json.js';
export { DRIFT_KINDS, GenerationsError, generationsReportToJson, runGenerations, type DriftKind, type GenerationResult, type GenerationsOptions, type GenerationsReport, type InvariantCheck } from './generations.js';
export { runScenario, SimulatedVm, type RunOptions, type ScenarioResult } from './runner.js';
export {
  applyOverride,
  parseScenario,
  parseScenarioFile,
  parseScenarioFileText,
  resolveBootInputs,
  type BootStep,
  type Corruption,
  type CorruptStep,
  type SaveStep,
  type Scenario,
  type Step,
} from './scenario-file.js';
