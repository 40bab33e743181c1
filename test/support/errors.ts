/** Catching the error a call must throw. */
import { expect } from 'vitest';

import { InputError } from '../../src/boot/inputs.js';
import { BootPanic } from '../../src/boot/panic.js';

/** The InputError `fn` throws (fails the test if it throws something else or nothing). */
export function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, but parsing succeeded');
}

/** The panic `f` throws (fails the test if it returns or throws something else). */
export function panicOf(f: () => unknown): BootPanic {
  try {
    f();
  } catch (e) {
    if (e instanceof BootPanic) return e;
    throw e;
  }
  throw new Error('expected a BootPanic');
}
