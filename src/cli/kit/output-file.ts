/**
 * `-o FILE` without losing anything on disk: the bytes go to a temporary file beside the target
 * and are renamed into place only after a complete write (and fsync), so a failed or
 * interrupted write leaves the old file intact and no temporary file behind. The command
 * refuses (exit 2) to write over one of its own input files (same device and inode, so a
 * different spelling or a link is caught too) and to overwrite an existing file unless
 * `--force`. An existing non-regular target (`/dev/null`, a FIFO) is written directly: there is
 * no content to lose and a rename would replace the device node.
 */
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { badInput, displayName, fileErrorReason, isFileError } from '../io.js';

/** The help lines of `-o`'s overwrite policy, for every command that takes -o. */
export const OUTPUT_POLICY_HELP = `  --force            Let -o FILE replace an existing file. Without it an
                     existing FILE is refused (exit 2); -o never writes over
                     one of the command's own inputs. FILE is written to a
                     temporary file beside it and renamed into place when
                     complete, so a failed write leaves the old FILE intact.`;

/** How {@link writeFileSafely} may treat the target. */
export interface OutputFileOptions {
  /** Replace an existing regular file. */
  force: boolean;
  /** The command's input files (`-` is skipped): the target must not be one of them. */
  inputs: readonly string[];
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Test hook: when set, called after the temporary file is written and before the rename. */
export const outputFileHooks: { beforeRename?: (temp: string) => void } = {};

/**
 * Writes `bytes` to `file` atomically (temporary file + rename).
 * @throws {CliFailure} exit 2: the target is an input, exists without `--force`, or cannot be written.
 */
export function writeFileSafely(file: string, bytes: Uint8Array, opts: OutputFileOptions): void {
  const name = displayName(file);
  let temp: string | undefined;
  try {
    const target = statOrUndefined(file);
    if (target !== undefined) {
      for (const input of opts.inputs) {
        if (input === '-') continue;
        const st = statOrUndefined(input);
        if (st !== undefined && st.dev === target.dev && st.ino === target.ino) {
          throw badInput(`refusing to write ${name}: it is one of this command's input files (${displayName(input)}); write to another file`);
        }
      }
      if (target.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (!target.isFile()) {
        const fd = openSync(file, 'w');
        try {
          writeAll(fd, bytes);
        } finally {
          closeSync(fd);
        }
        return;
      }
      if (!opts.force) throw badInput(`refusing to overwrite ${name}: it exists (use --force to replace it)`);
    }
    temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
    const fd = openSync(temp, 'wx', target === undefined ? 0o666 : target.mode & 0o777);
    try {
      writeAll(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    outputFileHooks.beforeRename?.(temp);
    renameSync(temp, file);
    temp = undefined;
  } catch (e) {
    if (isFileError(e)) throw badInput(`cannot write ${name}: ${fileErrorReason(e)}`);
    throw e;
  } finally {
    if (temp !== undefined) {
      try {
        unlinkSync(temp);
      } catch {
        // Already gone (or never created): nothing to clean up.
      }
    }
  }
}
