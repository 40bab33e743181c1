/**
 * The shipped JSON Schemas (schema/*.schema.json) compiled with ajv's draft 2020-12 validator,
 * as an editor or a CI job would use them.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A schema file's JSON. */
export function loadSchema(name: 'scenario' | 'result' | 'saved-state'): { $id: string } & Record<string, unknown> {
  return JSON.parse(readFileSync(`${ROOT}schema/${name}.schema.json`, 'utf8')) as { $id: string } & Record<string, unknown>;
}

// strictRequired is off because `if: {required: [...]}` names keys the `if` does not define,
// which is how discriminators are written.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
const scenarioSchema = loadSchema('scenario');
const resultSchema = loadSchema('result');

/** A whole scenario file. */
export const validateScenarioFile: ValidateFunction = ajv.compile(scenarioSchema);
/** What `simulate --json` prints. */
export const validateSimulateOutput: ValidateFunction = ajv.compile(resultSchema);
/** One step result (`expected.steps[i]` of a vector, `runScenario(...).steps[i]`). */
export const validateStepResult: ValidateFunction = ajv.getSchema(`${resultSchema.$id}#/$defs/stepResult`)!;
/** A SavedState JSON file (`vtl2-persist encode`). */
export const validateSavedState: ValidateFunction = ajv.compile(loadSchema('saved-state'));

/** ajv's errors as short `path: message` lines, for assertion messages. */
export function errorText(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? ''}`).join('\n');
}

/** The repository root, for reading docs/examples. */
export const REPO_ROOT = ROOT;
