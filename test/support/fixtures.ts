/**
 * Worked example A's inputs (test/vectors/boot-worked-examples.json, "A"), taken from the
 * library's single copy; test/sim/examples.test.ts checks that copy against the vector.
 */
import { exampleAInputs } from '../../src/sim/examples.js';
import type { Json } from './vectors.js';

const inputs = exampleAInputs();

export const A_SHIM_PARAMS = inputs.shim_params as Json;
export const A_HOST_DT = inputs.host_dt as Json;
export const A_CMDLINE_OPTIONS = inputs.cmdline_options as Json;
