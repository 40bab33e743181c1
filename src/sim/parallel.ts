/**
 * Campaigns on worker threads, behind a synchronous API.
 *
 * The CLI is synchronous from argument parsing to the last byte of output (src/cli/kit/output.ts
 * writes to file descriptors directly), so the pool blocks the calling thread instead of handing
 * back a promise: workers post their results on message ports and bump a shared counter, and the
 * caller sleeps in `Atomics.wait` on that counter and drains the ports with
 * `receiveMessageOnPort`. No event loop turn is needed on the calling side.
 *
 * The work is `units` independent items (scenarios, crash points) split into one contiguous
 * block per worker; results come back in unit order whatever finishes first, so the output of a
 * campaign does not depend on the number of workers.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { Vtl2PersistError } from '../errors.js';
import type { ParallelTask } from './parallel-tasks.js';

/** What a worker is asked to do: a task of parallel-tasks.ts and the slice of its units. */
export interface WorkerOrder {
  task: ParallelTask;
  from: number;
  to: number;
  port: MessagePort;
  signal: SharedArrayBuffer;
}

/**
 * A message from a worker: progress (units done since the last one), its results, or its
 * failure (with the `code` of a {@link Vtl2PersistError}, so that it is rethrown as one).
 */
export type WorkerMessage = { progress: number } | { results: unknown[] } | { error: string; code?: string };

/** The default of `--jobs`: the cores this process may use. */
export function defaultJobs(): number {
  return availableParallelism();
}

/** Contiguous blocks `[from, to)` covering `0..units`, at most `parts` of them, sizes differing by at most one. */
export function blocks(units: number, parts: number): [number, number][] {
  const n = Math.max(1, Math.min(parts, units));
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([Math.floor((i * units) / n), Math.floor(((i + 1) * units) / n)]);
  return out.filter(([a, b]) => b > a);
}

/**
 * The worker's entry: a bootstrap that imports `parallel-worker.js` next to this module in the
 * built package and, should that import fail (a file missing from an install, a load error),
 * posts the failure and wakes the calling thread, which would otherwise wait for a worker that
 * never runs. Under tsx or vitest this module is `.ts`, and a worker does not inherit the tsx
 * loader in a usable way (Node 20 resolves the worker's `.ts` entry before `--import tsx` has
 * registered its hooks), so the bootstrap then registers tsx's ESM hooks first and imports the
 * `.ts` worker. tsx is a devDependency: only a source checkout takes that path.
 */
function workerEntry(): URL {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(ts ? './parallel-worker.ts' : './parallel-worker.js', import.meta.url).href;
  // require.resolve gives the CommonJS build of the API; its ESM twin sits beside it.
  const api = ts ? pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs') : undefined;
  const code = [
    `import { workerData } from 'node:worker_threads';`,
    `try {`,
    ...(api === undefined ? [] : [`  const { register } = await import(${JSON.stringify(api)});`, `  register();`]),
    `  await import(${JSON.stringify(entry)});`,
    `} catch (e) {`,
    `  workerData.port.postMessage({ error: 'cannot load the campaign worker: ' + (e instanceof Error ? e.message : String(e)) });`,
    `  const counter = new Int32Array(workerData.signal);`,
    `  Atomics.add(counter, 0, 1);`,
    `  Atomics.notify(counter, 0);`,
    `}`,
  ].join('\n');
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * Runs units `from..to-1` of `task` on up to `jobs` worker threads and returns their results
 * in unit order. `onProgress(done, to - from)` is called on this thread as workers report.
 * A worker's {@link Vtl2PersistError} is rethrown here as a Vtl2PersistError with the same code
 * and message, so a caller maps it exactly as it maps the serial path's (the CLI: exit 2, same
 * message); any other failure is an internal error, rethrown as an Error naming the units.
 */
export function runOnWorkers<R>(task: ParallelTask, from: number, to: number, jobs: number, onProgress?: (done: number, total: number) => void): R[] {
  const units = to - from;
  const signal = new SharedArrayBuffer(4);
  const counter = new Int32Array(signal);
  const url = workerEntry();
  const parts = blocks(units, jobs).map(([a, b]) => {
    const { port1, port2 } = new MessageChannel();
    const order: WorkerOrder = { task, from: from + a, to: from + b, port: port2, signal };
    const worker = new Worker(url, { workerData: order, transferList: [port2], execArgv: [] });
    worker.unref();
    return { worker, port: port1, results: undefined as unknown[] | undefined, from: order.from, to: order.to };
  });
  let done = 0;
  let seen = 0;
  try {
    while (parts.some((p) => p.results === undefined)) {
      // Sleep until some worker posts; the timeout only bounds how stale a check can get.
      Atomics.wait(counter, 0, seen, 1000);
      seen = Atomics.load(counter, 0);
      for (const p of parts) {
        for (let m = receiveMessageOnPort(p.port); m !== undefined; m = receiveMessageOnPort(p.port)) {
          const msg = m.message as WorkerMessage;
          if ('error' in msg) {
            if (msg.code !== undefined) throw new Vtl2PersistError(msg.code, msg.error);
            throw new Error(`campaign worker for units ${p.from}..${p.to - 1} failed: ${msg.error}`);
          }
          if ('progress' in msg) {
            done += msg.progress;
            onProgress?.(done, units);
          } else p.results = msg.results;
        }
      }
    }
  } finally {
    for (const p of parts) {
      p.port.close();
      void p.worker.terminate();
    }
  }
  return parts.flatMap((p) => p.results as R[]);
}
