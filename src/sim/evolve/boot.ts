/**
 * `evolve`'s boot check: the demo VM serviced with a proposed `SavedState`. The VM boots fresh,
 * usermode saves, the payload is rewritten as the proposed writer (or a shipped one) would have
 * written the same save, and the next boot shim reads it: the shipped openhcl_boot, and, when
 * the proposal only adds fields to v3, a boot shim whose reader is built from the proposal.
 * Each boot restores, falls back to the host or panics exactly as the emulated shim decides.
 */
import { boot, type BootResult } from '../../boot/boot.js';
import { decodeSavedState } from '../../format/decode.js';
import { writeHeader } from '../../format/header.js';
import { decodeValue } from '../../format/model/generic-decode.js';
import { encodeValue } from '../../format/model/generic-encode.js';
import { savedStateToValue, valueToSavedState } from '../../format/model/generic-value.js';
import type { SchemaModel, TypeRef } from '../../format/model/model.js';
import type { SavedState } from '../../format/saved-state.js';
import { DEMO_CPUS, DEMO_VM, carriedOver } from '../demo.js';
import { SimulatedVm } from '../runner.js';
import type { NamedSchema } from './execution.js';
import { edgeValue, translateValue, unsetValue } from './payloads.js';

/** One servicing boot: who wrote the payload, which boot shim read it, and what it did. */
export interface BootCell {
  /** Which writer wrote the payload (`v1`…`v3` or `proposed`). */
  writer: string;
  /** `shipped openhcl_boot` (1488a37b7's reader, v3) or `proposed reader`. */
  reader: string;
  /** `persisted`: restored; `host`: fell back to a fresh boot; `panic`: openhcl_boot would panic. */
  path: 'persisted' | 'host' | 'panic';
  /** The panic text, or the path's reason. */
  detail: string;
  /** For a restore: whether the pool, MMIO and persisted span came back as the first boot had them. */
  restoredMatches?: boolean;
  /** The payload the boot read, lowercase hex. */
  payloadHex: string;
}

const ROOT = (m: SchemaModel): TypeRef => ({ kind: 'named', name: m.root });

/**
 * Services the demo VM once per writer and boots each payload with the shipped boot shim and,
 * when `withProposedReader`, with one that reads `proposed`. Writers other than v3 write the
 * save translated into their schema by field number; the proposed writer sets every field v3
 * lacks to an edge value, so that the new fields are really on the wire.
 */
export function bootMatrix(proposed: NamedSchema, v3: SchemaModel, writers: readonly NamedSchema[], withProposedReader: boolean): BootCell[] {
  const cells: BootCell[] = [];
  const readers: { label: string; reader?: (payload: Uint8Array) => SavedState }[] = [{ label: 'shipped openhcl_boot' }];
  if (withProposedReader) {
    readers.push({
      label: 'proposed reader',
      reader: (payload) => valueToSavedState(translateValue(proposed.model, ROOT(proposed.model), v3, ROOT(v3), decodeValue(proposed.model, payload).value)),
    });
  }
  for (const writer of [...writers, proposed]) {
    for (const r of readers) cells.push(serviceOnce(writer, v3, r.label, r.reader, writer === proposed));
  }
  return cells;
}

function serviceOnce(writer: NamedSchema, v3: SchemaModel, readerLabel: string, payloadReader: ((p: Uint8Array) => SavedState) | undefined, setNew: boolean): BootCell {
  const vm = SimulatedVm.fromJson(DEMO_VM);
  const first = vm.boot();
  const save = vm.save(DEMO_CPUS);
  const header = vm.header().header;
  const saved = vm.memory.read(header.protobufBase, header.protobufPayloadLen);
  const value = translateValue(v3, ROOT(v3), writer.model, ROOT(writer.model), savedStateToValue(decodeSavedState(saved)), setNew ? edgeValue : unsetValue);
  const bytes = encodeValue(writer.model, value);
  if (BigInt(bytes.length) > header.protobufRegionLen) {
    return { writer: writer.label, reader: readerLabel, path: 'host', detail: `the payload (${bytes.length} bytes) does not fit the ${header.protobufRegionLen}-byte region: usermode's save fails`, payloadHex: hex(bytes) };
  }
  vm.write(header.protobufBase, bytes);
  writeHeader(vm.memory, vm.scenario.shimParams.persistedState.start, { ...header, protobufPayloadLen: BigInt(bytes.length) });
  const s = vm.scenario;
  const inputs = { shim: s.shimParams, host: s.hostDt, cmdline: s.cmdlineOptions, ...(payloadReader && { payloadReader }) };
  const restore: BootResult = boot(inputs, vm.memory);
  const cell: BootCell = {
    writer: writer.label,
    reader: readerLabel,
    path: restore.path,
    detail: restore.path === 'panic' ? restore.panic : restore.reason,
    payloadHex: hex(bytes),
  };
  if (restore.path === 'persisted') cell.restoredMatches = carriedOver({ first, save, header: vm.header(), restore }).every((c) => c.same);
  return cell;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
