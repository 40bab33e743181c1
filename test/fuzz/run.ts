/**
 * Long fuzz campaigns: `npm run fuzz -- --seconds N --seed S [--property NAME] [--batch B]`.
 *
 * Runs the properties of properties.ts round-robin, `fc.check` batches of B cases each (the
 * seed advances per batch, so the whole campaign is reproducible from S), until N seconds have
 * passed; prints the cases run per property. On a failure it prints the property, the batch's
 * seed and path, the shrunk counterexample, and the command that replays exactly that case:
 *   npm run fuzz -- --property NAME --seed SEED --path PATH
 * (with --path it replays one case and exits 1 if it still fails). Exit 0 when nothing failed.
 *
 * The time limit bounds the campaign only; per-case budgets are counted (see properties.ts).
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { cleanupTemp, PROPERTIES, type PropertyName } from './properties.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    seed: { type: 'string' },
    property: { type: 'string', multiple: true },
    batch: { type: 'string', default: '200' },
    path: { type: 'string' },
  },
  strict: true,
});

const names = Object.keys(PROPERTIES) as PropertyName[];
const chosen = (values.property ?? names) as PropertyName[];
for (const n of chosen) {
  if (!names.includes(n)) {
    console.error(`unknown property ${JSON.stringify(n)}; one of ${names.join(', ')}`);
    process.exit(2);
  }
}
const seed = values.seed === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(values.seed);
const seconds = Number(values.seconds);
const batch = Number(values.batch);
if (!Number.isInteger(seed) || !Number.isFinite(seconds) || seconds < 0 || !Number.isInteger(batch) || batch < 1) {
  console.error('usage: npm run fuzz -- --seconds N --seed S [--property NAME]… [--batch B] [--path P]');
  process.exit(2);
}

function show(v: unknown): string {
  return fc.stringify(v);
}

try {
  if (values.path !== undefined) {
    // Replay one case.
    const name = chosen[0]!;
    const d = fc.check(PROPERTIES[name]() as fc.IProperty<unknown[]>, { seed, path: values.path, numRuns: 1, endOnFailure: false });
    if (d.failed) {
      console.log(`property ${name} FAILS at seed ${seed} path ${values.path}\ncounterexample: ${show(d.counterexample)}\n${String(d.errorInstance)}`);
      process.exitCode = 1;
    } else {
      console.log(`property ${name} passes at seed ${seed} path ${values.path}`);
    }
  } else {
    const counts = new Map<PropertyName, number>(chosen.map((n) => [n, 0]));
    const deadline = Date.now() + seconds * 1000;
    let round = 0;
    let failed = false;
    console.log(`fuzz campaign: seed ${seed}, ${seconds}s, properties ${chosen.join(', ')}`);
    do {
      for (const name of chosen) {
        const batchSeed = (seed + round) | 0;
        const d = fc.check(PROPERTIES[name]() as fc.IProperty<unknown[]>, { seed: batchSeed, numRuns: batch });
        counts.set(name, counts.get(name)! + d.numRuns);
        if (d.failed) {
          failed = true;
          console.log(`\nFAILED property ${name}`);
          console.log(`  seed ${d.seed}, path ${d.counterexamplePath ?? ''}`);
          console.log(`  replay: npm run fuzz -- --property ${name} --seed ${d.seed} --path ${d.counterexamplePath ?? ''}`);
          console.log(`  shrunk counterexample: ${show(d.counterexample)}`);
          console.log(`  ${String(d.errorInstance instanceof Error ? d.errorInstance.message : d.errorInstance)}`);
          break;
        }
      }
      round++;
    } while (!failed && Date.now() < deadline);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(`\ncases run: ${total} (${[...counts].map(([n, c]) => `${n} ${c}`).join(', ')})`);
    process.exitCode = failed ? 1 : 0;
  }
} finally {
  cleanupTemp();
}
