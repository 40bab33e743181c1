/**
 * The one place `explore` and `render` read their INPUT: a region dump, a bare payload, a
 * SavedState JSON or a scenario file, told apart by their content (not their name), so the two
 * commands cannot disagree about what a file is.
 */
import { Vtl2PersistError } from '../errors.js';
import { JsonTextError, parseJsonText } from '../format/json-text.js';
import { savedStateFromJson } from '../format/state-json.js';
import type { ExploreSource } from '../sim/explore-source.js';
import { parseScenarioFile } from '../sim/scenario-file.js';
import { badInput, displayName, readBytes, type Io } from './io.js';
import { BINARY_CAP, BINARY_INPUT, capText, jsonInput, type InputKind } from './kit/input.js';

/** The keys only a SavedState JSON has at its root. */
const STATE_KEYS = ['partition_memory', 'partition_mmio', 'cpus_with_mapped_interrupts_no_io', 'cpus_with_outstanding_io'];
/** The keys that make a JSON object a scenario file. */
const SCENARIO_KEYS = ['scenarios', 'shim_params', 'host_dt', 'lifecycle'];

/** Options of {@link readExploreInput}. */
export interface ExploreInputOptions {
  /** Cap of a JSON input (`--max-input`); default 64 MiB. A binary input is capped at 2 MiB whatever this says. */
  json?: InputKind;
  /** Which scenario of a file holding several (0-based); default the first. */
  scenario?: number;
}

/** How {@link readExploreInput} told what the input is. */
export type ExploreInputKind = 'bytes' | 'state' | 'scenario';

/**
 * Whether bytes are JSON text: after optional whitespace (and a UTF-8 byte-order mark) they
 * open an object or array, and hold no NUL byte. A payload can start with `{` (0x7b: field 15,
 * wire type 3), but not as a whole valid JSON text without NULs; the decision is made before
 * parsing so that a JSON file with a syntax error gets its line and column, not a hex view.
 */
export function looksLikeJson(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  if (bytes[i] !== 0x7b && bytes[i] !== 0x5b) return false;
  return !bytes.includes(0);
}

/** Whether a parsed JSON value is a scenario file (a list, `{"scenarios": …}`, or one scenario object) rather than a state. */
function isScenarioJson(value: unknown): boolean {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  if (SCENARIO_KEYS.some((k) => Object.hasOwn(value, k))) return true;
  return false;
}

/** Whether a parsed JSON value has a SavedState's root (any of its four keys, or the empty object). */
function isStateJson(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value).filter((k) => k !== '$schema');
  return keys.length === 0 || keys.some((k) => STATE_KEYS.includes(k));
}

/**
 * Reads INPUT (`-` for standard input) and tells what it is: JSON text is a scenario file when
 * it is a list or has `scenarios`, `shim_params`, `host_dt` or `lifecycle` at its root, a
 * SavedState when it has any of a state's keys (or none at all); anything else that is not JSON
 * is raw bytes (a region dump or payload: the inspector decides which, with the same rules as
 * `inspect`). A scenario file with several scenarios gives the one `options.scenario` picks.
 * @throws {CliFailure} exit 2: unreadable, too large, invalid JSON, a state or scenario the
 *   format rejects, JSON that is neither, or a scenario index past the file's scenarios.
 */
export function readExploreInput(file: string, io: Io, options: ExploreInputOptions = {}): ExploreSource {
  const json = options.json ?? jsonInput();
  // One read, at the larger of the two caps; a binary input is then held to its own cap.
  const raw = readBytes(file, io, json.cap >= BINARY_CAP ? json : BINARY_INPUT);
  const name = displayName(file);
  if (!looksLikeJson(raw)) {
    if (raw.length > BINARY_CAP) {
      throw badInput(`${name} is larger than the ${capText(BINARY_CAP)} cap for ${BINARY_INPUT.what} (${BINARY_INPUT.hint})`);
    }
    return { kind: 'bytes', name: file, bytes: raw };
  }
  if (raw.length > json.cap) throw badInput(`${name} is larger than the ${capText(json.cap)} cap for ${json.what} (${json.hint})`);
  let value: unknown;
  try {
    value = parseJsonText(Buffer.from(raw).toString('utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    if (e instanceof JsonTextError) throw badInput(`${name}: ${e.detail}`);
    throw e;
  }
  try {
    if (isScenarioJson(value)) {
      const scenarios = parseScenarioFile(value, name);
      const index = options.scenario ?? 0;
      const scenario = scenarios[index];
      if (scenario === undefined) {
        throw badInput(
          scenarios.length === 0 ? `${name} holds no scenario` : `${name} holds ${scenarios.length} scenario(s); there is no scenario ${index}`,
        );
      }
      return { kind: 'scenario', name: file, scenario };
    }
    if (isStateJson(value)) return { kind: 'state', name: file, state: savedStateFromJson(value) };
  } catch (e) {
    if (e instanceof Vtl2PersistError) throw badInput(e.message.startsWith(name) ? e.message : `${name}: ${e.message}`);
    throw e;
  }
  throw badInput(
    `${name} is JSON but neither a SavedState (partition_memory, partition_mmio, …) nor a scenario file (shim_params, host_dt, lifecycle, or scenarios)`,
  );
}
