/**
 * How the CLI prints a decoded state: its canonical JSON with the two entry lists streamed, so
 * that `decode` and `inspect --json` of a 2 MiB payload stay within a small heap.
 */
import type { SavedState } from '../format/saved-state.js';
import { savedStateToJson } from '../format/state-json.js';
import { JsonStreamArray } from './kit/output.js';

/** How many list entries {@link streamedStateJson} converts at a time. */
const STATE_JSON_BATCH = 4096;

/**
 * The canonical JSON of a state for {@link printJson}, with its two entry lists produced in
 * batches of {@link STATE_JSON_BATCH} (each through `savedStateToJson` itself, so the bytes are
 * those of `JSON.stringify(savedStateToJson(s), null, 2)`): a 2 MiB payload of a million empty
 * entries then never has a million JSON objects alive at once.
 */
export function streamedStateJson(s: SavedState): Record<string, unknown> {
  const json: Record<string, unknown> = { ...savedStateToJson({ ...s, partitionMemory: [], partitionMmio: [] }) };
  const lists = [
    ['partition_memory', 'partitionMemory'],
    ['partition_mmio', 'partitionMmio'],
  ] as const;
  for (const [key, field] of lists) {
    if (!Array.isArray(json[key])) continue;
    json[key] = new JsonStreamArray(function* () {
      const all = s[field];
      for (let at = 0; at < all.length; at += STATE_JSON_BATCH) {
        const part = savedStateToJson({ ...s, partitionMemory: [], partitionMmio: [], [field]: all.slice(at, at + STATE_JSON_BATCH) });
        yield* part[key];
      }
    });
  }
  return json;
}
