/**
 * The test vectors in `test/vectors/` (see its README.md): the mesh_protobuf wire vectors, the
 * real boot shim's lifecycle vectors and the `memory_range` vectors, plus the effective parsed
 * inputs of a vector's boot step.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

import type { CmdlineOptions, HostDt, ShimParams } from '../../src/boot/types.js';
import {
  parseScenarioFileText,
  resolveBootInputs,
  type BootInputs,
  type Scenario,
} from '../../src/sim/scenario-file.js';

/**
 * Where the vectors live: `test/vectors/` in this repository. `VTL2_VECTORS` points the suites
 * at another directory of the same files (say, a set generated from another seed).
 */
export const VECTORS_DIR = process.env['VTL2_VECTORS'] ?? fileURLToPath(new URL('../vectors/', import.meta.url));

/** The vector files this repository ships. */
export type VectorFile = 'mesh-wire.jsonl.gz' | 'boot-worked-examples.json' | 'boot-public.json.gz' | 'range-algebra.jsonl.gz';

/**
 * The text of one vector file (`.gz` files gunzipped). A missing file fails loudly: a suite
 * that silently ran no vectors would pass while checking nothing.
 */
export function readVectorText(file: VectorFile): string {
  const path = `${VECTORS_DIR}/${file}`;
  if (!existsSync(path)) throw new Error(`vector file missing: ${path} (see test/vectors/README.md)`);
  const bytes = readFileSync(path);
  return file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
}

/** The non-empty lines of a JSONL vector file, each parsed. */
function readJsonLines<T>(file: VectorFile): T[] {
  return readVectorText(file)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** A JSON object as the vectors write it. */
export type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// mesh-wire.jsonl.gz

/** A state as the vectors write it: u64 as "0x…" strings, types as numbers. */
export interface VectorState {
  partition_memory: { range: { start: string; end: string }; vnode: number; vtl_type: number; igvm_type: number }[];
  partition_mmio: { range: { start: string; end: string }; vtl_type: number }[];
  cpus_with_mapped_interrupts_no_io: number[];
  cpus_with_outstanding_io: number[];
}

/** One line of mesh-wire.jsonl.gz. */
export type MeshVector =
  | { kind: 'encode'; state: VectorState; hex: string }
  | { kind: 'decode'; mutation: string; hex: string; ok: true; state: VectorState }
  | { kind: 'decode'; mutation: string; hex: string; ok: false; error: string };

/** Every mesh_protobuf vector, in file order. */
export function loadMeshVectors(): MeshVector[] {
  return readJsonLines<MeshVector>('mesh-wire.jsonl.gz');
}

// ---------------------------------------------------------------------------------------------
// boot-worked-examples.json (A–H, HV0–HV5) and boot-public.json.gz (generated lifecycles)

/** One boot vector: a scenario file's content (`input`) and the real boot shim's result per step. */
export interface BootVector {
  name: string;
  input: Json;
  expected: { steps: Json[] };
}

/** The two boot vector files, worked examples first. */
export type BootVectorFile = 'boot-worked-examples.json' | 'boot-public.json.gz';

/** Every boot vector of one file, in file order (`.gz` files are gunzipped). */
export function loadBootVectorFile(file: BootVectorFile): BootVector[] {
  return JSON.parse(readVectorText(file)) as BootVector[];
}

/** Both boot vector files, worked examples first. */
export function loadBootVectors(): [
  { file: 'boot-worked-examples.json'; vectors: BootVector[] },
  { file: 'boot-public.json.gz'; vectors: BootVector[] },
] {
  return [
    { file: 'boot-worked-examples.json', vectors: loadBootVectorFile('boot-worked-examples.json') },
    { file: 'boot-public.json.gz', vectors: loadBootVectorFile('boot-public.json.gz') },
  ];
}

/** A vector's `input` read as a scenario file by the library (`parseScenarioFileText`). */
export function vectorScenario(v: Pick<BootVector, 'name' | 'input'>): Scenario {
  const [scenario] = parseScenarioFileText(JSON.stringify(v.input), `${v.name}.json`);
  if (scenario === undefined) throw new Error(`vector ${v.name}: no scenario`);
  return scenario;
}

/**
 * The parsed inputs lifecycle step `index` boots with (`resolveBootInputs`): a wholesale
 * `shim_params` / `host_dt` / `cmdline_options` replaces the scenario's base, an `…_override`
 * merges shallowly on top. Throws if that step is not a boot.
 */
export function effectiveBootInputs(scenario: Scenario, index: number): BootInputs {
  const step = scenario.lifecycle[index];
  if (step?.op !== 'boot') throw new Error(`${scenario.name}: lifecycle[${index}] is not a boot step`);
  return resolveBootInputs(scenario, step);
}

/** The fields every boot step's result has (path `host` / `persisted` / `panic`); tests extend it with the ones they read. */
export interface BootResultJson {
  op: string;
  path?: string;
  attempted_path?: string;
  panic?: string;
  panic_kind?: string;
}

/** A boot step of the vectors that took or attempted the host path, with its effective inputs. */
export interface HostPathBoot<S> {
  /** `worked:A#0`, `public:<name>#2`: file, scenario, step index. */
  id: string;
  shim: ShimParams;
  host: HostDt;
  cmdline: CmdlineOptions;
  /** The real boot shim's result for the step. */
  step: S;
}

/** Every boot step on the host path (taken or attempted) of both files, with that step's effective inputs. */
export function hostPathBoots<S extends BootResultJson>(): HostPathBoot<S>[] {
  const label = { 'boot-worked-examples.json': 'worked', 'boot-public.json.gz': 'public' } as const;
  return loadBootVectors().flatMap(({ file, vectors }) =>
    vectors.flatMap((v) => {
      const scenario = vectorScenario(v);
      return (v.expected.steps as S[]).flatMap((step, i) => {
        if (step.op !== 'boot' || (step.path !== 'host' && step.attempted_path !== 'host')) return [];
        const inputs = effectiveBootInputs(scenario, i);
        return [
          {
            id: `${label[file]}:${v.name}#${i}`,
            shim: inputs.shimParams,
            host: inputs.hostDt,
            cmdline: inputs.cmdlineOptions,
            step,
          },
        ];
      });
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// range-algebra.jsonl.gz

/** One line of range-algebra.jsonl.gz: an upstream `memory_range` call and what it did. */
export interface RangeAlgebraVector {
  fn: string;
  input: Json;
  ok?: unknown;
  panic?: string;
  partial?: unknown[];
  truncated?: boolean;
  checked?: Json;
}

/** Every `memory_range` vector, in file order. */
export function loadRangeAlgebraVectors(): RangeAlgebraVector[] {
  return readJsonLines<RangeAlgebraVector>('range-algebra.jsonl.gz');
}
