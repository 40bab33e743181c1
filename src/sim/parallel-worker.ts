/**
 * Entry point of a campaign worker thread (started by src/sim/parallel.ts): runs its slice of
 * the task, posting progress every few units and then its results, and wakes the main thread
 * through the shared counter after each post.
 */
import { workerData } from 'node:worker_threads';
import { Vtl2PersistError } from '../errors.js';
import type { WorkerMessage, WorkerOrder } from './parallel.js';
import { runTaskSlice } from './parallel-tasks.js';

const order = workerData as WorkerOrder;
const counter = new Int32Array(order.signal);
const post = (m: WorkerMessage) => {
  order.port.postMessage(m);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
};
try {
  let pending = 0;
  let last = performance.now();
  const results = runTaskSlice(order.task, order.from, order.to, () => {
    pending++;
    const now = performance.now();
    if (now - last >= 100) {
      post({ progress: pending });
      pending = 0;
      last = now;
    }
  });
  if (pending > 0) post({ progress: pending });
  post({ results });
} catch (e) {
  // A library error keeps its code, so the calling thread can rethrow it as the serial path would.
  post(e instanceof Vtl2PersistError ? { error: e.message, code: e.code } : { error: e instanceof Error ? e.message : String(e) });
} finally {
  order.port.close();
}
