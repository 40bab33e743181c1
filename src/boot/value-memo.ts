/**
 * A few recent results of a pure computation, keyed by the VALUES it reads (bigints, numbers,
 * strings, booleans), never by object identity: the boot shim's inputs are plain mutable
 * objects, so an identity key could return a result for inputs that have changed since.
 *
 * Used where a boot repeats a derivation with many range comparisons whose inputs are the
 * same from boot to boot of one VM (a campaign runs the same scenario thousands of times,
 * and a restore rebuilds the address space the fresh boot built): comparing a few dozen
 * primitives is far cheaper than redoing the range walks. Callers store only results of
 * calls that succeeded, and copy anything mutable on the way out.
 */

/** One value a computation read. */
export type KeyPart = bigint | number | string | boolean | undefined;

/** The last {@link ValueMemo.capacity} distinct keys and their results, most recent first. */
export class ValueMemo<R> {
  readonly #keys: KeyPart[][] = [];
  readonly #results: R[] = [];

  /** @param capacity how many distinct keys to keep (a VM's fresh and restore boots need two). */
  constructor(readonly capacity: number) {}

  /**
   * The result stored under a key equal to `key` element by element, if any. Equal is
   * `Object.is` (SameValue): unlike `===` it tells -0 from 0, which a result may carry.
   */
  get(key: readonly KeyPart[]): R | undefined {
    const keys = this.#keys;
    for (let k = 0; k < keys.length; k++) {
      const stored = keys[k]!;
      if (stored.length !== key.length) continue;
      let i = 0;
      while (i < key.length && Object.is(stored[i], key[i])) i++;
      if (i === key.length) return this.#results[k];
    }
    return undefined;
  }

  /** Stores `result` under `key` (which the memo then owns), dropping the oldest key when full. */
  set(key: KeyPart[], result: R): void {
    this.#keys.unshift(key);
    this.#results.unshift(result);
    if (this.#keys.length > this.capacity) {
      this.#keys.pop();
      this.#results.pop();
    }
  }
}
