import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: the CLI runs from source there, as `npm start` does. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What one CLI run produced. */
export interface CliRun {
  code: number | null;
  /** Standard output as bytes (binary commands) and as text. */
  stdout: Buffer;
  text: string;
  stderr: string;
}

/**
 * Runs `vtl2-persist ARGS…` as a user would: a separate node process on the real
 * entry point (`src/cli/bin.ts` through tsx), with `input` on standard input and
 * NO_COLOR set. Asynchronous, so independent tests run in parallel.
 */
export function runCli(args: readonly string[], input?: Uint8Array | string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, text: stdout.toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(input ?? '');
  });
}
