/**
 * The package root as a test author imports it: the entry points the docs name are there, and the
 * root does not pull in the CLI (whose modules read argv and write to stdout).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as lib from 'vtl2-persist';
import { ROOT } from '../support/cli.js';

const FUNCTIONS = [
  // codec and header
  'encodeSavedState', 'decodeSavedState', 'encodeSavedStateV', 'decodeSavedStateV', 'savedStateToJson', 'savedStateFromJson',
  'encodeHeader', 'decodeHeader', 'readHeader', 'writeHeader', 'walkWire',
  // boot shim and usermode
  'boot', 'writePersistedState', 'parseOpenhclMap',
  // scenarios and campaigns
  'parseScenarioFileText', 'parseScenarioFile', 'runScenario', 'runGenerations', 'runDemo', 'verdict',
  'crashSweep', 'defaultCrashSweepScenario', 'sweepReportToJson', 'compatMatrix', 'compatReport', 'defaultCompatScenario',
  'exampleAInputs', 'exampleAMap', 'parseJsonText',
  // the explorer's data: decision trails, maps, byte views, sweep grids
  'bootWithTrail', 'inspectBytes', 'exploreData', 'bootMap', 'savedStateMap', 'compareMaps', 'sweepGrid', 'buildImage',
] as const;
const CLASSES = ['SimulatedVm', 'GuestMemory', 'MemoryRange', 'Vtl2PersistError', 'DecodeError', 'EncodeError', 'HeaderError', 'InputError', 'CrashSweepError', 'GenerationsError', 'JsonTextError'] as const;

describe('package root', () => {
  test.each(FUNCTIONS)('exports %s', (name) => {
    expect(typeof (lib as Record<string, unknown>)[name]).toBe('function');
  });

  test.each(CLASSES)('exports the class %s', (name) => {
    const value = (lib as Record<string, unknown>)[name] as { prototype?: unknown } | undefined;
    expect(typeof value).toBe('function');
    expect(value!.prototype).toBeDefined();
  });

  test('every typed error is a Vtl2PersistError', () => {
    for (const name of CLASSES.filter((c) => c.endsWith('Error') && c !== 'Vtl2PersistError')) {
      const cls = (lib as Record<string, unknown>)[name] as { prototype: object };
      expect(cls.prototype instanceof lib.Vtl2PersistError, name).toBe(true);
    }
  });

  test('src/index.ts re-exports only the library layers, never src/cli', () => {
    const text = readFileSync(join(ROOT, 'src/index.ts'), 'utf8');
    const targets = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(targets).toEqual(['./errors.js', './memory/index.js', './format/index.js', './boot/index.js', './usermode/index.js', './sim/index.js']);
  });
});
