/**
 * vtl2-persist: an emulator of OpenHCL's boot-time persisted-state handoff.
 *
 * - `src/memory`: guest-physical address space, page-aligned ranges and the
 *   upstream range algebra, memory-type value sets.
 * - `src/format`: the `OHCLPHDR` header and the mesh_protobuf payload codec.
 * - `src/boot`: the emulated openhcl_boot (fresh and restore paths, panics as results).
 * - `src/usermode`: usermode's /openhcl parse and the persisted-state writer.
 * - `src/sim`: servicing scenarios and their runner (`runScenario`, `SimulatedVm`),
 *   the demo lifecycle (`runDemo`), multi-generation campaigns (`runGenerations`),
 *   the crash-consistency sweep (`crashSweep`) and the schema compatibility
 *   matrix (`compatMatrix`).
 *
 * The command-line tool (`vtl2-persist`, src/cli) is built on these exports
 * and is not itself part of the library's API.
 *
 * Everything 64-bit is a bigint. Every deliberate failure is a subclass of
 * `Vtl2PersistError` with a stable `code`.
 *
 * @packageDocumentation
 */
export { ArgumentError, Vtl2PersistError, describeValue, type ArgumentErrorCode } from './errors.js';
export * from './memory/index.js';
export * from './format/index.js';
export * from './boot/index.js';
export * from './usermode/index.js';
export * from './sim/index.js';
