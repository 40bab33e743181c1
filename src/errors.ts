/**
 * The root of every error vtl2-persist throws on purpose.
 *
 * Each subclass narrows `code` to a union of stable, snake_case strings that
 * callers (and the scenario runner) can switch on; the message is for people.
 */
export class Vtl2PersistError extends Error {
  /** Stable machine-readable reason; never reworded once published. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Why a public function refused an argument before doing anything with it. */
export type ArgumentErrorCode = 'bad_argument';

/**
 * A caller passed a value of the wrong type to a public function or constructor (`null` where
 * bytes are expected, a number where a bigint is, an unknown step `op`). Thrown once, at the
 * package boundary, so a caller sees the argument's name instead of a `TypeError` from deep
 * inside (or, worse, a string silently decoded as zeros). Upstream has no counterpart: Rust's
 * types make these calls impossible.
 */
export class ArgumentError extends Vtl2PersistError {
  declare readonly code: ArgumentErrorCode;
  /** The function and argument, e.g. `decodeHeader(bytes)` or `new GuestMemory(options.backing[0])`. */
  readonly argument: string;
  /** What the argument must be, e.g. `a Uint8Array`. */
  readonly expected: string;

  constructor(argument: string, expected: string, got: unknown) {
    super('bad_argument', `${argument}: expected ${expected}, got ${describeValue(got)}`);
    this.argument = argument;
    this.expected = expected;
  }
}

/**
 * A value of any type as an error message shows it: its type, and for a primitive its value,
 * escaped and cut after 60 characters, so a megabyte-long string cannot flood a message and
 * control characters never reach a terminal.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `bigint ${cut(value.toString())}n`;
    case 'string':
      // Cut before escaping: a 50 MB string is never copied whole.
      return `string ${JSON.stringify(value.slice(0, 60)).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}${value.length > 60 ? `…(${value.length - 60} more)` : ''}`;
    case 'object':
      return `${value instanceof Uint8Array ? 'a Uint8Array' : `an object (${cut(Object.getPrototypeOf(value)?.constructor?.name ?? 'null prototype')})`}`;
    case 'function':
      return 'a function';
    default:
      return `${typeof value} ${cut(String(value))}`;
  }
}

function cut(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more)`;
}

/** Throws {@link ArgumentError} unless `value` is a `Uint8Array` (a `Buffer` is one). */
export function expectBytes(value: unknown, argument: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new ArgumentError(argument, 'a Uint8Array', value);
}

/** Throws {@link ArgumentError} unless `value` is a bigint. */
export function expectBigint(value: unknown, argument: string): asserts value is bigint {
  if (typeof value !== 'bigint') throw new ArgumentError(argument, 'a bigint', value);
}

/** Throws {@link ArgumentError} unless `value` is a non-array, non-null object. */
export function expectObject(value: unknown, argument: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ArgumentError(argument, 'an object', value);
}

/** Throws {@link ArgumentError} unless `value` is an array. */
export function expectArray(value: unknown, argument: string): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new ArgumentError(argument, 'an array', value);
}
