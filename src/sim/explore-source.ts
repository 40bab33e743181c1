/**
 * What an explorer page or a figure is made from, once the CLI has read it: raw bytes (a
 * region dump or a bare payload), a SavedState, or one scenario. src/cli/explore-input.ts
 * reads a file into one of these; src/sim/explore-data.ts builds the page's data from it.
 */
import type { SavedState } from '../format/saved-state.js';
import type { Scenario } from './scenario-file.js';

/** An explorer input, already read and parsed (no file access happens past this point). */
export type ExploreSource =
  | {
      /** Raw bytes: a region dump (header page first) or a bare payload; the inspector tells which. */
      kind: 'bytes';
      /** The file name as given (`-` for stdin). */
      name: string;
      /** The file's bytes. */
      bytes: Uint8Array;
    }
  | {
      /** A SavedState (docs/examples/state.json): explored as the region image `image` builds from it. */
      kind: 'state';
      /** The file name as given. */
      name: string;
      /** The parsed state. */
      state: SavedState;
    }
  | {
      /** One scenario (docs/examples/torn-save.json): run step by step. */
      kind: 'scenario';
      /** The file name as given. */
      name: string;
      /** The scenario run. */
      scenario: Scenario;
    };
