/**
 * Command-line parsing shared by every command: node:util parseArgs for the grammar, our own
 * messages for its errors. parseArgs in strict mode refuses `--seed -1` ("argument is
 * ambiguous") and takes a lone `-1` for a cluster of short options, so it runs non-strict with
 * tokens and this module checks the tokens itself: a string option always takes the next
 * argument when it looks like a number (`--base -5` is then "not a guest-physical address",
 * naming `--base`), and every message quotes the offending argument through `quoteInput`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { quoteInput } from '../format/json-text.js';
import { U64_MAX } from '../format/saved-state.js';
import { usage } from './io.js';

/** The option table of a command, as parseArgs takes it. */
export type OptionTable = NonNullable<ParseArgsConfig['options']>;
/** What parseArgs returns for a command's option table (strict, positionals allowed). */
export type ParsedCommandArgs<O extends OptionTable> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** An argument that reads as a (possibly negative) number: `-1`, `-0x10`, `-2.5`. */
const NUMBER_LIKE = /^-(?:0x[0-9a-f_]*|[0-9][0-9_]*(?:\.[0-9]*)?)$/i;

/**
 * Parses `argv` against `options`; `positionals: false` refuses any positional argument.
 * @throws {CliFailure} a usage error (exit 2) naming the option or argument at fault.
 */
export function parseCommandArgs<const O extends OptionTable>(argv: readonly string[], options: O, positionals = true): ParsedCommandArgs<O> {
  const { tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  for (const t of tokens) {
    if (t.kind === 'positional') {
      if (!positionals) throw usage(`unexpected argument ${quoteInput(t.value)} (this command takes no FILE)`);
      continue;
    }
    if (t.kind !== 'option') continue;
    const spec = Object.hasOwn(options, t.name) ? options[t.name] : undefined;
    if (spec === undefined) {
      if (NUMBER_LIKE.test(argv[t.index]!)) {
        throw usage(`${quoteInput(argv[t.index]!)} looks like a negative number, but no option before it takes a value`);
      }
      throw usage(`unknown option ${quoteInput(t.rawName)}`);
    }
    const name = t.rawName.startsWith('--') ? t.rawName : `${t.rawName} (--${t.name})`;
    if (spec.type === 'boolean' && t.value !== undefined) throw usage(`option ${name} takes no value (got ${quoteInput(t.value)})`);
    if (spec.type === 'string') {
      if (t.value === undefined) throw usage(`option ${name} needs a value`);
      if (!t.inlineValue && t.value.startsWith('-') && t.value !== '-' && !NUMBER_LIKE.test(t.value)) {
        throw usage(`option ${name} needs a value, but is followed by the option ${quoteInput(t.value)} (write ${t.rawName}=VALUE for a value starting with '-')`);
      }
    }
  }
  const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false });
  return parsed as unknown as ParsedCommandArgs<O>;
}

/** Exactly one positional FILE, or a usage error. */
export function onePositional(positionals: readonly string[], what: string): string {
  if (positionals.length === 0) throw usage(`missing ${what} (a file, or - for standard input)`);
  if (positionals.length > 1) throw usage(`expected one ${what}, got ${positionals.length}: ${positionals.map((p) => quoteInput(p)).join(' ')}`);
  return positionals[0]!;
}

/** A non-negative decimal or 0x-hex integer no larger than `max`, else undefined. */
export function parseUint(text: string, max: number): number | undefined {
  if (!/^(?:0x[0-9a-f]+|[0-9]+)$/i.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= max ? n : undefined;
}

/**
 * A `--seed N` value: 0..2^32 − 1, or a negative number, which counts back from 2^32 (so
 * `--seed -1` is 4294967295, as a C `(uint32_t)-1` cast would give). Undefined otherwise.
 */
export function parseSeed(text: string): number | undefined {
  if (text.startsWith('-')) {
    const n = parseUint(text.slice(1), 0x1_0000_0000);
    return n === undefined || n === 0 ? (n === 0 ? 0 : undefined) : 0x1_0000_0000 - n;
  }
  return parseUint(text, 0xffff_ffff);
}

/** The usage message for a bad `--seed`. */
export function seedMessage(text: string): string {
  return `--seed must be an integer from -4294967296 to 4294967295 (negative values count back from 2^32; got ${quoteInput(text)})`;
}

/**
 * A guest-physical address from the command line: `0x…` hex or decimal, `_`
 * separators allowed, at most 2^64 − 1. Undefined when it is not one.
 */
export function parseGpa(text: string): bigint | undefined {
  const s = text.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(s)) return undefined;
  const v = BigInt(s);
  return v <= U64_MAX ? v : undefined;
}

/** `--base` parsed, or a usage error naming the option and the bad value (a negative one included). */
export function gpaOption(name: string, text: string): bigint {
  const v = parseGpa(text);
  if (v === undefined) {
    const why = text.trim().startsWith('-') ? 'a guest-physical address cannot be negative' : '0x-hex or decimal, below 2^64';
    throw usage(`--${name} ${quoteInput(text)} is not a guest-physical address (${why})`);
  }
  return v;
}

/** `value` if it is one of `names`, else a usage error that lists them. */
export function oneOf<T extends string>(option: string, value: string, names: readonly T[]): T {
  if ((names as readonly string[]).includes(value)) return value as T;
  throw usage(`${option} must be one of ${names.join(', ')} (got ${quoteInput(value)})`);
}

/** The most worker threads `--jobs` starts. */
export const MAX_JOBS = 256;

/**
 * `--jobs N`: worker threads for a campaign, 1..{@link MAX_JOBS}; undefined when not given
 * (the campaign then picks: every core, for work big enough to pay for the threads).
 * @throws {CliFailure} exit 2 for anything else.
 */
export function parseJobs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = parseUint(text, MAX_JOBS);
  if (n === undefined || n < 1) throw usage(`--jobs must be an integer from 1 to ${MAX_JOBS} (got ${quoteInput(text)})`);
  return n;
}

/** A `--shard I/N` slice: 1-based index and count. */
export interface Shard {
  index: number;
  count: number;
}

/** The most shards `--shard` splits a campaign into. */
export const MAX_SHARDS = 100_000;

/**
 * `--shard I/N` (1 <= I <= N <= {@link MAX_SHARDS}); undefined when not given.
 * @throws {CliFailure} exit 2 for anything else.
 */
export function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^([0-9]+)\/([0-9]+)$/.exec(text);
  const index = m ? parseUint(m[1]!, MAX_SHARDS) : undefined;
  const count = m ? parseUint(m[2]!, MAX_SHARDS) : undefined;
  if (index === undefined || count === undefined || index < 1 || count < 1 || index > count) {
    throw usage(`--shard takes I/N with 1 <= I <= N <= ${MAX_SHARDS}, e.g. --shard 2/8 (got ${quoteInput(text)})`);
  }
  return { index, count };
}

/** The units `[from, to)` of shard `s` of `units` units: contiguous blocks, sizes differing by at most one. */
export function shardRange(units: number, s: Shard): [number, number] {
  return [Math.floor(((s.index - 1) * units) / s.count), Math.floor((s.index * units) / s.count)];
}
