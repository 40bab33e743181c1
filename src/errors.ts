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
