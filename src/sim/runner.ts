/**
 * src/sim — servicing scenarios: runs a scenario's lifecycle (boot, save,
 * corrupt, boot, …) against ONE simulated guest memory, as VTL2 memory
 * survives servicing, and reports one result per step in the documented shape
 * (docs/scenario-format.md, "Results").
 */
import { boot, type BootResult } from '../boot/boot.js';
import { openhclMapToFdtNodes, type OpenhclMapNode } from '../boot/device-tree.js';
import { ValueMemo, type KeyPart } from '../boot/value-memo.js';
import type { ShimParams } from '../boot/types.js';
import { decodeHeader, encodeHeader, HEADER_SIZE, readHeader, type HeaderRead } from '../format/header.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { formatHex as hex } from '../memory/range.js';
import { ArgumentError, Vtl2PersistError, expectArray, expectObject } from '../errors.js';
import { parseOpenhclMap, type ParsedOpenhclMap } from '../usermode/openhcl-map.js';
import { NO_RUNNING_INSTANCE_ERROR, saveErrorToJson, saveResultToJson, writePersistedState } from '../usermode/writer.js';
import { bootResultToJson, type CorruptStepResult, type SaveStepResult, type StepResult } from './result-json.js';
import { parseScenarioFile, resolveBootInputs, type BootStep, type Corruption, type SaveStep, type Scenario, type Step } from './scenario-file.js';

const U64_MOD = 1n << 64n;

/**
 * One scenario's results, in lifecycle order: what `simulate --json` prints per scenario.
 * `steps[i]` is the result of `lifecycle[i]`; narrow on `op` (then `path` for boots, or
 * `'error' in step` for saves and corruptions) to read its fields.
 */
export interface ScenarioResult {
  /** The scenario's `name`. */
  name: string;
  /** One result per lifecycle step, in order. */
  steps: StepResult[];
}

/** Options of `runScenario`. */
export interface RunOptions {
  /** The guest memory to run against; default a fresh one holding the scenario's `initial_memory`. */
  memory?: GuestMemory;
}

/**
 * A simulated VM for test authors: one guest memory that survives every
 * servicing, the inputs of its scenario, and the result of its latest boot.
 * `boot`, `save`, `write` and `header` drive it step by step with the same
 * semantics as a scenario file's steps (`step` runs one such step directly).
 */
export class SimulatedVm {
  /**
   * A VM from ONE scenario's JSON object (its `shim_params`/`host_dt`/`cmdline_options`,
   * docs/scenario-format.md; `lifecycle` is not run). A list of scenarios (an array or a
   * `{"scenarios": […]}` file) is an `ArgumentError`: pick one and pass it.
   * @throws {InputError} for a scenario the format rejects.
   */
  static fromJson(value: unknown): SimulatedVm {
    if (Array.isArray(value)) throw new ArgumentError('SimulatedVm.fromJson(value)', 'one scenario object (not a list of scenarios)', value);
    const scenarios = parseScenarioFile(value);
    if (scenarios.length !== 1) throw new ArgumentError('SimulatedVm.fromJson(value)', 'one scenario object (not a list of scenarios)', value);
    return new SimulatedVm(scenarios[0]!);
  }

  /** The VM's guest memory: VTL2 memory as it survives every servicing (read it, or corrupt it directly). */
  readonly memory: GuestMemory;
  /** The latest boot's result, if any boot ran. */
  lastBoot: BootResult | undefined;
  /** The shim params of the latest boot (corruption offsets are relative to its persisted region). */
  private lastShim: ShimParams;

  constructor(
    /** The scenario whose inputs every boot starts from. */
    readonly scenario: Scenario,
    options: RunOptions = {},
  ) {
    expectScenario(scenario, 'new SimulatedVm(scenario)');
    expectObject(options, 'new SimulatedVm(options)');
    if (options.memory !== undefined && !(options.memory instanceof GuestMemory)) {
      throw new ArgumentError('new SimulatedVm(options.memory)', 'a GuestMemory', options.memory);
    }
    this.memory = options.memory ?? new GuestMemory();
    if (options.memory === undefined) for (const m of scenario.initialMemory) this.memory.write(m.addr, m.bytes);
    this.lastShim = scenario.shimParams;
  }

  /**
   * Boots the next openhcl_boot instance against this VM's memory, with the
   * scenario's base inputs or, like a scenario's boot step, replacements
   * (`shimParams`, `hostDt`, `cmdlineOptions`) or shallow JSON overrides
   * (`shimParamsOverride`, …). Returns the typed result; `lastBoot` holds it too.
   */
  boot(changes: Omit<BootStep, 'op'> = {}): BootResult {
    expectObject(changes, 'SimulatedVm.boot(changes)');
    return this.runBoot({ op: 'boot', ...changes });
  }

  /** The boot step itself; `step` adds the JSON form, which typed callers do not need. */
  private runBoot(step: BootStep): BootResult {
    const inputs = resolveBootInputs(this.scenario, step);
    this.lastShim = inputs.shimParams;
    this.lastBoot = boot({ shim: inputs.shimParams, host: inputs.hostDt, cmdline: inputs.cmdlineOptions }, this.memory);
    return this.lastBoot;
  }

  /**
   * Runs usermode's servicing save for the latest boot: parses its `/openhcl`
   * map and writes the payload, then (unless `crashBeforeHeader`) the header.
   * Returns the save step's result (`payload_hex`, …, or `error`).
   */
  save(cpus: { noIo?: number[]; outstanding?: number[] } = {}, options: { crashBeforeHeader?: boolean } = {}): SaveStepResult {
    expectObject(cpus, 'SimulatedVm.save(cpus)');
    expectObject(options, 'SimulatedVm.save(options)');
    return this.saveStep({
      op: 'save',
      cpusWithMappedInterruptsNoIo: cpus.noIo ?? [],
      cpusWithOutstandingIo: cpus.outstanding ?? [],
      crashBeforeHeader: options.crashBeforeHeader ?? false,
    });
  }

  /** Writes raw bytes into guest memory at an absolute GPA (e.g. to plant a stale payload). */
  write(gpa: bigint, bytes: Uint8Array): void {
    this.memory.write(gpa, bytes);
  }

  /** The 32-byte header as it is now in memory, at the latest boot's persisted-region start. */
  header(): HeaderRead {
    return readHeader(this.memory, this.lastShim.persistedState.start);
  }

  /** Runs one lifecycle step (as in a scenario file) and returns its result in the documented shape. */
  step(step: Step): StepResult {
    expectStep(step);
    switch (step.op) {
      case 'boot':
        return bootResultToJson(this.runBoot(step));
      case 'save':
        return this.saveStep(step);
      case 'corrupt':
        return this.corrupt(step.corruption);
    }
  }

  /**
   * Usermode's save (upstream `underhill_core` `src/loader/vtl2_config/mod.rs`
   * `write_persisted_info`) for the latest boot; without a running instance there is no
   * usermode, so the result is an error.
   */
  private saveStep(step: SaveStep): SaveStepResult {
    const last = this.lastBoot;
    if (last === undefined || last.path === 'panic') return { op: 'save', error: NO_RUNNING_INSTANCE_ERROR };
    try {
      const parsed = usermodeParse(last.openhclMemoryMap);
      const cpus = { noIo: step.cpusWithMappedInterruptsNoIo, outstanding: step.cpusWithOutstandingIo };
      return saveResultToJson(writePersistedState(this.memory, parsed, cpus, { crashBeforeHeader: step.crashBeforeHeader }));
    } catch (e) {
      if (e instanceof Vtl2PersistError) return saveErrorToJson(e);
      throw e;
    }
  }

  /** Applies a corruption relative to the latest boot's `persisted_state.start`. */
  private corrupt(c: Corruption): CorruptStepResult {
    const base = this.lastShim.persistedState.start;
    // The vectors report every corruption as applied at the persisted region's start.
    const at = base;
    try {
      switch (c.kind) {
        case 'write':
          this.memory.write(base + c.offset, c.bytes);
          break;
        case 'zero':
          this.memory.zero(base + c.offset, c.len);
          break;
        case 'bitflip': {
          const [byte] = this.memory.read(base + c.offset, 1n);
          this.memory.write(base + c.offset, Uint8Array.of(byte! ^ (1 << c.bit)));
          break;
        }
        case 'header': {
          const h = decodeHeader(this.memory.read(base, HEADER_SIZE));
          this.memory.write(
            base,
            encodeHeader({
              magic: c.magic ?? h.magic,
              protobufBase: c.protobufBase ?? h.protobufBase,
              protobufRegionLen: c.protobufRegionLen ?? h.protobufRegionLen,
              protobufPayloadLen: c.protobufPayloadLen ?? h.protobufPayloadLen,
            }),
          );
          break;
        }
        case 'payload_len_delta': {
          const h = decodeHeader(this.memory.read(base, HEADER_SIZE));
          const len = (((h.protobufPayloadLen + c.delta) % U64_MOD) + U64_MOD) % U64_MOD;
          this.memory.write(base, encodeHeader({ ...h, protobufPayloadLen: len }));
          break;
        }
      }
      return { op: 'corrupt', applied_at: hex(at), header_hex_after: Buffer.from(this.memory.read(base, HEADER_SIZE)).toString('hex') };
    } catch (e) {
      if (e instanceof Vtl2PersistError) return { op: 'corrupt', error: e.message };
      throw e;
    }
  }
}

/**
 * Recent `/openhcl` maps and usermode's reading of them. A VM's saves mostly see the same map
 * (a restore reproduces the fresh boot's), and the FDT round trip and parse are a pure
 * function of the nodes' values. The parsed map never leaves `saveStep`, and the writer only
 * reads it, so a cached one is shared rather than copied.
 */
const PARSE_MEMO = new ValueMemo<ParsedOpenhclMap>(4);

/** `parseOpenhclMap(openhclMapToFdtNodes(map))`, as usermode reads the map the boot shim wrote. */
function usermodeParse(map: readonly OpenhclMapNode[]): ParsedOpenhclMap {
  const key: KeyPart[] = [];
  for (const n of map) {
    key.push(n.kind, n.range.start, n.range.end, n.vtlType);
    if (n.kind === 'memory') key.push(n.vnode, n.igvmType);
  }
  let parsed = PARSE_MEMO.get(key);
  if (parsed === undefined) {
    parsed = parseOpenhclMap(openhclMapToFdtNodes(map));
    PARSE_MEMO.set(key, parsed);
  }
  return parsed;
}

/** Runs every step of a scenario against one guest memory. */
export function runScenario(scenario: Scenario, options: RunOptions = {}): ScenarioResult {
  expectScenario(scenario, 'runScenario(scenario)');
  expectArray(scenario.lifecycle, 'runScenario(scenario.lifecycle)');
  const vm = new SimulatedVm(scenario, options);
  return { name: scenario.name, steps: scenario.lifecycle.map((s) => vm.step(s)) };
}

/** A parsed {@link Scenario}'s shape, checked once where a caller hands one in. */
function expectScenario(scenario: unknown, argument: string): asserts scenario is Scenario {
  expectObject(scenario, argument);
  expectArray(scenario['initialMemory'], `${argument.slice(0, -1)}.initialMemory)`);
  expectObject(scenario['shimParams'], `${argument.slice(0, -1)}.shimParams)`);
}

const CORRUPTION_KINDS: ReadonlySet<string> = new Set(['write', 'zero', 'bitflip', 'header', 'payload_len_delta']);

/**
 * A typed step's shape, checked once at `step`: an unknown `op` would otherwise fall through
 * the switch and return `undefined`, an unknown corruption kind would report "applied".
 */
function expectStep(step: unknown): asserts step is Step {
  expectObject(step, 'SimulatedVm.step(step)');
  const op = step['op'];
  if (op === 'boot') return;
  if (op === 'save') {
    expectArray(step['cpusWithMappedInterruptsNoIo'], 'SimulatedVm.step(step.cpusWithMappedInterruptsNoIo)');
    expectArray(step['cpusWithOutstandingIo'], 'SimulatedVm.step(step.cpusWithOutstandingIo)');
    if (typeof step['crashBeforeHeader'] !== 'boolean') throw new ArgumentError('SimulatedVm.step(step.crashBeforeHeader)', 'a boolean', step['crashBeforeHeader']);
    return;
  }
  if (op === 'corrupt') {
    const c = step['corruption'];
    expectObject(c, 'SimulatedVm.step(step.corruption)');
    if (typeof c['kind'] !== 'string' || !CORRUPTION_KINDS.has(c['kind'])) {
      throw new ArgumentError('SimulatedVm.step(step.corruption.kind)', `one of ${[...CORRUPTION_KINDS].join(', ')}`, c['kind']);
    }
    return;
  }
  throw new ArgumentError('SimulatedVm.step(step.op)', "'boot', 'save' or 'corrupt'", op);
}
