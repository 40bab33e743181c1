/**
 * `npm run bench`: codec throughput, reported as a ratio against a baseline
 * measured in the same run (never a wall-clock threshold, never part of
 * `npm test`). The baseline is protobufjs's reflection codec on the same
 * .proto and the same bytes; issue 5 widens this to pbjs static code, the full
 * lifecycle and the memory-scale figures.
 *
 * Usage: npm run bench [-- --json] [-- --seconds N]
 */
import { parseArgs } from 'node:util';
import { demoState } from '../../src/cli/demo.js';
import { decodeSavedState } from '../../src/format/decode.js';
import { encodeSavedState } from '../../src/format/encode.js';
import { schemaRoot } from '../../src/format/schema.js';

const { values } = parseArgs({ options: { json: { type: 'boolean' }, seconds: { type: 'string', default: '1' } } });
const budgetMs = Number(values.seconds) * 1000;

/** Runs `fn` repeatedly for about `budgetMs`; returns operations per second. */
function rate(fn: () => unknown): number {
  for (let i = 0; i < 1000; i++) fn(); // warm up the JIT before timing
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < 1000; i++) fn();
    ops += 1000;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

const state = demoState();
const bytes = encodeSavedState(state);
const Type = schemaRoot.lookupType('openhcl.openhcl_boot.SavedState');
const pbMessage = Type.decode(bytes);

const rows = [
  { name: `decode ${bytes.length}-byte payload`, ours: rate(() => decodeSavedState(bytes)), baseline: rate(() => Type.decode(bytes)) },
  { name: `encode ${bytes.length}-byte payload`, ours: rate(() => encodeSavedState(state)), baseline: rate(() => Type.encode(pbMessage).finish()) },
].map((r) => ({ ...r, ratio: r.ours / r.baseline }));

if (values.json) {
  console.log(JSON.stringify({ baseline: 'protobufjs reflection codec, same .proto and bytes', rows }, null, 2));
} else {
  console.log('benchmark                    ours (ops/s)  protobufjs (ops/s)  ratio');
  for (const r of rows) {
    console.log(`${r.name.padEnd(28)} ${r.ours.toFixed(0).padStart(12)}  ${r.baseline.toFixed(0).padStart(18)}  ${r.ratio.toFixed(2)}x`);
  }
}
