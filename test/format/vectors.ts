import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

/** Where the shared vectors live: `../shared/vectors` beside the repo (override with VTL2_VECTORS). */
export const VECTORS_DIR =
  process.env['VTL2_VECTORS'] ?? fileURLToPath(new URL('../../../shared/vectors/', import.meta.url));

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
  const text = gunzipSync(readFileSync(`${VECTORS_DIR}/mesh-wire.jsonl.gz`)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MeshVector);
}
