/**
 * Long fuzz campaigns: `npm run fuzz -- --seconds N [--cases C] --seed S [--property NAME] [--batch B]`.
 *
 * Runs the properties of properties.ts round-robin, `fc.check` batches of B cases each (the
 * seed advances per batch, so the whole campaign is reproducible from S), until N seconds have
 * passed or, with `--cases C`, until C cases have run (whichever comes first; `--seconds 0`
 * with `--cases` means no time limit); prints the cases run per property. On a failure it prints the property, the batch's
 * seed and path, the shrunk counterexample, and the command that replays exactly that case:
 *   npm run fuzz -- --property NAME --seed SEED --path PATH
 * (with --path it replays one case and exits 1 if it still fails). Exit 0 when nothing failed.
 *
 * The time limit bounds the campaign only; per-case budgets are counted (see properties.ts).
 *
 * Property `cli` is the spawned-CLI layer (cli-layer.ts): the CLI is built once into a temp
 * directory, each round spawns a batch of generated cases (two at a time; a batch is
 * `fc.sample(cliInput, seed)`, so `--path I` replays the I-th case of that seed's batch), and the
 * campaign starts with the fixed hostile list of cli-hostile.ts, its slow rows too when
 * `--seconds` is 600 or more (rows in its PENDING set are reported, not counted as failures).
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostileCases, PENDING } from './cli-hostile.js';
import { builtCli, cleanupCases, cleanupCli, generatedCases, runPooled, spawnCase, violations } from './cli-layer.js';
import { cleanupTemp, PROPERTIES, type PropertyName } from './properties.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    cases: { type: 'string' },
    seed: { type: 'string' },
    property: { type: 'string', multiple: true },
    batch: { type: 'string', default: '200' },
    path: { type: 'string' },
  },
  strict: true,
});

type Name = PropertyName | 'cli';
const names: Name[] = [...(Object.keys(PROPERTIES) as PropertyName[]), 'cli'];
const chosen = (values.property ?? names) as Name[];
for (const n of chosen) {
  if (!names.includes(n)) {
    console.error(`unknown property ${JSON.stringify(n)}; one of ${names.join(', ')}`);
    process.exit(2);
  }
}
const seed = values.seed === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(values.seed);
const seconds = Number(values.seconds);
const batch = Number(values.batch);
const target = values.cases === undefined ? Infinity : Number(values.cases);
if (!Number.isInteger(seed) || !Number.isFinite(seconds) || seconds < 0 || !Number.isInteger(batch) || batch < 1 || !(target === Infinity || (Number.isSafeInteger(target) && target > 0))) {
  console.error('usage: npm run fuzz -- --seconds N [--cases C] --seed S [--property NAME]… [--batch B] [--path P]');
  process.exit(2);
}

function show(v: unknown): string {
  return fc.stringify(v);
}

/** Campaigns of at least this many seconds also run the hostile list's slow rows (~3 minutes). */
const SLOW_ROWS_FROM = 600;

/** Cases per round of the spawned layer (each is a process: ~0.3 s of CPU). */
const CLI_BATCH = Math.min(batch, 40);

/** One batch of the spawned CLI layer; returns its case count and the first failure, if any. */
async function cliBatch(batchSeed: number): Promise<{ numRuns: number; failure?: string }> {
  const failures = await runPooled(generatedCases(batchSeed, CLI_BATCH), 2);
  const f = failures[0];
  return f === undefined
    ? { numRuns: CLI_BATCH }
    : { numRuns: CLI_BATCH, failure: `seed ${batchSeed}, path ${f.index}\n  replay: npm run fuzz -- --property cli --seed ${batchSeed} --path ${f.index}\n  ${f.message}` };
}

/** The fixed hostile list, slow rows included; returns the cases run and the failures. */
async function hostileList(includeSlow: boolean): Promise<{ numRuns: number; failures: string[]; pending: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-cli-hostile-'));
  try {
    const failures: string[] = [];
    const pending: string[] = [];
    let numRuns = 0;
    for (const c of hostileCases(dir, includeSlow)) {
      const r = await spawnCase(c);
      numRuns++;
      const v = violations(c, r);
      const line = `${c.label}: ${v.join('; ')} (exit ${String(r.status)}, ${r.ms} ms) ${r.stderr.slice(0, 300)}`;
      if (v.length > 0) (PENDING.has(c.label) ? pending : failures).push(line);
      else if (PENDING.has(c.label)) pending.push(`${c.label}: passes now; remove it from PENDING`);
    }
    return { numRuns, failures, pending };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  if (values.path !== undefined) {
    // Replay one case.
    const name = chosen[0]!;
    if (name === 'cli') {
      const c = generatedCases(seed, Number(values.path) + 1)[Number(values.path)]!;
      const r = await spawnCase(c);
      const v = violations(c, r);
      console.log(`cli case ${values.path} at seed ${seed}: vtl2-persist ${c.argv.join(' ')} [${c.label}] exit ${String(r.status)} in ${r.ms} ms`);
      console.log(v.length > 0 ? `FAILS: ${v.join('; ')}\nstderr: ${r.stderr.slice(0, 4000)}` : 'passes');
      process.exitCode = v.length > 0 ? 1 : 0;
    } else {
      const d = fc.check(PROPERTIES[name]() as fc.IProperty<unknown[]>, { seed, path: values.path, numRuns: 1, endOnFailure: false });
      if (d.failed) {
        console.log(`property ${name} FAILS at seed ${seed} path ${values.path}\ncounterexample: ${show(d.counterexample)}\n${String(d.errorInstance)}`);
        process.exitCode = 1;
      } else {
        console.log(`property ${name} passes at seed ${seed} path ${values.path}`);
      }
    }
  } else {
    const counts = new Map<Name, number>(chosen.map((n) => [n, 0]));
    const limit = () => (seconds === 0 && target !== Infinity ? Infinity : seconds * 1000);
    let deadline = Date.now() + limit();
    const total = () => [...counts.values()].reduce((a, b) => a + b, 0);
    const done = () => Date.now() >= deadline || total() >= target;
    const t0 = Date.now();
    let lastReport = t0;
    let round = 0;
    let failed = false;
    let hostileFailed = false; // reported above; the generated rounds still run
    console.log(`fuzz campaign: seed ${seed}, ${seconds}s${target === Infinity ? '' : `, up to ${target} cases`}, properties ${chosen.join(', ')}`);
    if (chosen.includes('cli')) {
      const t0 = Date.now();
      builtCli();
      console.log(`cli layer: built the CLI into a temp directory in ${Date.now() - t0} ms`);
      const h = await hostileList(seconds >= SLOW_ROWS_FROM);
      counts.set('cli', h.numRuns);
      console.log(`cli layer: fixed hostile list, ${h.numRuns} cases, ${h.failures.length} failures, ${h.pending.length} pending`);
      for (const p of h.pending) console.log(`  pending: ${p}`);
      for (const f of h.failures) console.log(`\nFAILED cli hostile row ${f}`);
      hostileFailed = h.failures.length > 0;
      deadline = Date.now() + limit(); // the build and the fixed list do not eat the campaign's time
    }
    while (!failed && !done()) {
      for (const name of chosen) {
        const batchSeed = (seed + round) | 0;
        if (name === 'cli') {
          const r = await cliBatch(batchSeed);
          counts.set(name, counts.get(name)! + r.numRuns);
          if (r.failure !== undefined) {
            failed = true;
            console.log(`\nFAILED property cli\n  ${r.failure}`);
            break;
          }
          continue;
        }
        // 2 MiB payloads cost ~100 ms each: a smaller batch keeps the round-robin turning.
        const d = fc.check(PROPERTIES[name]() as fc.IProperty<unknown[]>, { seed: batchSeed, numRuns: name === 'decode-large' ? Math.min(batch, 20) : batch });
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
        if (done()) break;
      }
      round++;
      if (Date.now() - lastReport >= 60_000) {
        lastReport = Date.now();
        console.log(`  ${Math.round((lastReport - t0) / 1000)} s: ${total()} cases`);
      }
    }
    console.log(`\ncases run: ${total()} in ${Math.round((Date.now() - t0) / 1000)} s (${[...counts].map(([n, c]) => `${n} ${c}`).join(', ')})`);
    if (counts.has('cli')) console.log(`cli layer (spawned processes): ${counts.get('cli')} cases`);
    process.exitCode = failed || hostileFailed ? 1 : 0;
  }
} finally {
  cleanupTemp();
  cleanupCases();
  cleanupCli();
}
