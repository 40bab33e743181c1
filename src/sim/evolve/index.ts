/**
 * src/sim/evolve — `evolve`: a proposed saved-state schema checked against older ones before it
 * ships, by rule (rules.ts), by execution (payloads written by one side and read by the other,
 * execution.ts and payloads.ts) and by booting the emulated boot shim on the proposed save
 * (boot.ts); report.ts puts them together (docs/evolving-saved-state.md).
 */
export { RULES, compareSchemas, defaultText, type RuleFinding, type RuleId, type Severity } from './rules.js';
export { runDirection, show, type ChangedValue, type Direction, type Example, type ReadError, type NamedSchema, type ReadOutcome } from './execution.js';
export { edgeValue, probesFor, translateValue, unsetValue, valueArbitrary, type Probe } from './payloads.js';
export { bootMatrix, type BootCell } from './boot.js';
export { SHIPPED, loadSchemaText, shippedModel, type ShippedLabel, type ShippedSchema } from './shipped.js';
export { evolveReport, shippedSchemas, type BootCheck, type Comparison, type EvolveFinding, type EvolveOptions, type EvolveReport, type Evidence } from './report.js';
