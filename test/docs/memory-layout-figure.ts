/**
 * The VTL2 memory layout of worked example A, computed from the emulator rather than typed
 * in, and rendered twice: as the address table of docs/memory-layout.md and as the figure
 * docs/figures/vtl2-memory-layout.svg. test/docs/memory-layout-doc.test.ts regenerates both
 * and compares them with what is committed, so neither can drift from what the boot shim
 * really does.
 *
 * Run `npx tsx test/docs/memory-layout-figure.ts` to rewrite the SVG and print the table.
 *
 * The pieces come from the image's `ShimParams` (where upstream's IGVM loader,
 * `vm/loader/src/paravisor.rs`, put each one) and the pool from the boot result; how each
 * piece is reported (its `/openhcl` type, its E820 type, its `/memreserve/` entry) is looked
 * up in the emulated boot's own `vtl2Ranges`, `e820` and `memreserve`, never assumed.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PERSISTED_SPAN_FRESH, type BootSuccess } from '../../src/boot/boot.js';
import type { ShimParams } from '../../src/boot/types.js';
import { formatHex, formatSize } from '../../src/memory/range.js';
import { vtlTypeName } from '../../src/memory/vtl-type.js';
import { exampleAInputs } from '../../src/sim/examples.js';
import { SimulatedVm } from '../../src/sim/runner.js';

const PAGE = 0x1000n;

/** What a piece is, for colouring: the reserved kinds are warm, what the kernel may use is cool. */
export type PieceKind = 'persisted' | 'image' | 'reserved' | 'config' | 'log' | 'scratch' | 'ram' | 'pool' | 'sidecar';

/** One piece of VTL2 memory as docs/memory-layout.md describes it. */
export interface LayoutPiece {
  /** Short label for the figure. */
  label: string;
  /** Name in the table (markdown). */
  name: string;
  kind: PieceKind;
  start: bigint;
  end: bigint;
  /** Where the piece comes from upstream (markdown: crate/file/item). */
  origin: string;
  /** `MemoryVtlType` name the emulated boot reports it as (`/openhcl` map, `vtl2_ranges()`). */
  vtlType: string;
  /** E820 type the emulated boot reports it as. */
  e820: string;
  /** The `/memreserve/` kind (upstream `ReservedMemoryType`) covering it, or `none`. */
  memreserve: string;
}

type Draft = Omit<LayoutPiece, 'vtlType' | 'e820' | 'memreserve'>;

/** The one value every item overlapping `[start, end)` carries; throws if they differ or leave a hole. */
function coveringValue<T>(what: string, items: { start: bigint; end: bigint; value: T }[], start: bigint, end: bigint): T | undefined {
  let covered = 0n;
  let value: T | undefined;
  for (const item of items) {
    const lo = item.start > start ? item.start : start;
    const hi = item.end < end ? item.end : end;
    if (lo >= hi) continue;
    if (value !== undefined && item.value !== value) {
      throw new Error(`${what}: ${formatHex(start)}-${formatHex(end)} straddles ${String(value)} and ${String(item.value)}`);
    }
    value = item.value;
    covered += hi - lo;
  }
  if (value !== undefined && covered !== end - start) throw new Error(`${what}: ${formatHex(start)}-${formatHex(end)} only partly covered`);
  return value;
}

/** Where each piece sits, from the image's `ShimParams` and the boot's pool (upstream `paravisor.rs` order). */
function drafts(sp: ShimParams, boot: BootSuccess): Draft[] {
  const ps = sp.persistedState;
  const pr = sp.parameterRegion;
  const dtStart = pr.start + BigInt(pr.dtPageIndex) * PAGE;
  const dtEnd = dtStart + BigInt(pr.dtSizePages) * PAGE;
  const sidecarEnd = sp.sidecar.base + sp.sidecar.size;
  const reserved = sp.vtl2ReservedRegion;
  const pool = boot.poolRanges[0]!;
  const memoryEnd = sp.memoryStart + sp.memorySize;
  const list: Draft[] = [
    { label: 'persisted-state header', name: 'persisted-state header page (`OHCLPHDR`)', kind: 'persisted', start: ps.start, end: ps.start + PAGE,
      origin: '`vm/loader/src/paravisor.rs` (`PERSISTED_REGION_SIZE`, first 2 MiB); split off by `AddressSpaceManagerBuilder::init` (`openhcl_boot/src/memory.rs`)' },
    { label: 'protobuf payload region', name: 'protobuf payload region (19 pages)', kind: 'persisted', start: ps.start + PAGE, end: ps.start + PERSISTED_SPAN_FRESH,
      origin: '`topology_from_host_dt` sizes the span 20 pages (`openhcl_boot/src/host_params/dt/mod.rs`); written by `write_persisted_info` (`underhill_core/src/loader/vtl2_config/mod.rs`)' },
    { label: 'rest of persisted area', name: 'rest of the 2 MiB persisted area', kind: 'ram', start: ps.start + PERSISTED_SPAN_FRESH, end: ps.end,
      origin: 'the `remainder` of `split_at_offset` in `topology_from_host_dt`: loaded-image memory, so plain RAM' },
    { label: 'kernel', name: 'OpenHCL Linux kernel', kind: 'image', start: ps.end, end: sp.sidecar.base,
      origin: '`load_static_elf(.., "underhill-kernel")` in `paravisor.rs`; ends where `sidecar_offset` points' },
  ];
  if (sp.sidecar.size > 0n) {
    list.push({ label: 'sidecar image', name: 'sidecar kernel image', kind: 'sidecar', start: sp.sidecar.base, end: sidecarEnd,
      origin: '`ShimParamsRaw.sidecar_offset` / `sidecar_size`; reserved by `add_common_ranges` (`dt/mod.rs`)' });
  }
  list.push(
    { label: 'boot shim, initrd, GDT, params', name: '`openhcl_boot`, initrd, GDT, shim parameters, command line', kind: 'image', start: sidecarEnd, end: reserved.start,
      origin: '`paravisor.rs`: `underhill-boot-shim`, `underhill-initrd`, the GDT page, `underhill-shim-params` (`ShimParamsRaw`), `underhill-command-line`' },
    { label: 'VTL2 reserved region', name: 'VTL2 reserved region (SNP VMSA, CPUID, secrets pages)', kind: 'reserved', start: reserved.start, end: reserved.start + reserved.size,
      origin: '`PARAVISOR_RESERVED_VTL2_PAGE_COUNT_MAX` (`loader_defs/src/paravisor.rs`); `ShimParamsRaw.vtl2_reserved_region_offset`' },
    { label: 'config: SLIT, PPTT', name: 'parameter region pages 0-39: SLIT and PPTT', kind: 'config', start: pr.start, end: dtStart,
      origin: '`PARAVISOR_CONFIG_SLIT_PAGE_INDEX`, `PARAVISOR_CONFIG_PPTT_PAGE_INDEX` (`loader_defs/src/paravisor.rs`)' },
    { label: 'host device tree (reclaimed)', name: 'parameter region pages 40-103: the host device tree', kind: 'ram', start: dtStart, end: dtEnd,
      origin: '`PARAVISOR_CONFIG_DEVICE_TREE_PAGE_INDEX`; `ShimParams::dt_start`; reclaimed as RAM in `topology_from_host_dt`' },
    { label: 'config: measured pages', name: 'parameter region pages 104-361: accepted-memory list, measured config, page hashes', kind: 'config', start: dtEnd, end: pr.start + pr.size,
      origin: '`PARAVISOR_MEASURED_VTL2_CONFIG_*` (`loader_defs/src/paravisor.rs`); read by `read_vtl2_params` (`vtl2_config/mod.rs`)' },
    { label: 'boot-shim log buffer', name: 'boot-shim log buffer', kind: 'log', start: sp.logBuffer.start, end: sp.logBuffer.end,
      origin: '`ohcl-boot-shim-log-buffer` (8 KiB) in `paravisor.rs`; `ShimParamsRaw.log_buffer_start`' },
    { label: 'bump heap', name: 'boot-shim bump heap', kind: 'scratch', start: sp.heap.start, end: sp.heap.end,
      origin: '`ohcl-boot-shim-heap` (16 pages) in `paravisor.rs`; `init_heap` (`dt/mod.rs`), used only to decode the payload' },
    { label: 'page tables', name: 'boot-time page tables', kind: 'scratch', start: sp.heap.end, end: sp.used.end,
      origin: '`underhill-page-tables` in `paravisor.rs`: the rest of `used` (`ShimParamsRaw.used_end`)' },
    { label: 'free VTL2 RAM', name: 'free VTL2 RAM (the kernel\'s)', kind: 'ram', start: sp.used.end, end: pool.start,
      origin: 'host `VTL2_PROTECTABLE` memory outside `used` (`parse_host_vtl2_ram`, `dt/mod.rs`)' },
    { label: 'private pool', name: 'private pool (VTL2 GPA pool)', kind: 'pool', start: pool.start, end: pool.end,
      origin: '`allocate_private_pool` (`dt/mod.rs`), sized by `pick_private_pool_size`; carved from the top of the node' },
  );
  if (pool.end < memoryEnd) {
    list.push({ label: 'free VTL2 RAM', name: 'free VTL2 RAM above the pool', kind: 'ram', start: pool.end, end: memoryEnd, origin: 'host `VTL2_PROTECTABLE` memory' });
  }
  return list;
}

/** Worked example A booted fresh by the emulator: its shim params and the boot result. */
export function bootExampleA(): { shim: ShimParams; boot: BootSuccess } {
  const vm = SimulatedVm.fromJson({ ...exampleAInputs(), lifecycle: [] });
  const boot = vm.boot();
  if (boot.path === 'panic') throw new Error(`example A panicked: ${boot.panic}`);
  return { shim: vm.scenario.shimParams, boot };
}

/** Every piece of example A's VTL2 memory, in address order, with how the emulated boot reports it. */
export function exampleALayout(): LayoutPiece[] {
  const { shim, boot } = bootExampleA();
  const vtl = boot.vtl2Ranges.map((r) => ({ start: r.range.start, end: r.range.end, value: vtlTypeName(r.vtlType) ?? String(r.vtlType) }));
  const e820 = boot.e820.map((e) => ({ start: e.addr, end: e.addr + e.size, value: e.type }));
  const reserve = boot.memreserve.map((m) => ({ start: m.range.start, end: m.range.end, value: m.type as string }));
  return drafts(shim, boot).map((d) => ({
    ...d,
    vtlType: coveringValue('vtl2 ranges', vtl, d.start, d.end) ?? 'not reported',
    e820: coveringValue('e820', e820, d.start, d.end) ?? 'not reported',
    memreserve: coveringValue('memreserve', reserve, d.start, d.end) ?? 'none',
  }));
}

/** The address table of docs/memory-layout.md (between its `layout-table` markers). */
export function layoutTable(pieces: readonly LayoutPiece[]): string {
  const rows = pieces.map((p) =>
    `| \`${formatHex(p.start)}-${formatHex(p.end)}\` | ${formatSize(p.end - p.start)} | ${p.name} | \`${p.vtlType}\` | ${p.e820} | ${p.memreserve === 'none' ? 'no' : `\`${p.memreserve}\``} | ${p.origin} |`);
  return ['| range | size | piece | `/openhcl` type | E820 | `/memreserve/` | upstream origin |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

const FILL: Record<PieceKind, string> = {
  persisted: '#f4b183', image: '#9dc3e6', reserved: '#bfbfbf', config: '#c5b0e0', log: '#f19cbb',
  scratch: '#d9ead3', ram: '#a9d18e', pool: '#ff8f8f', sidecar: '#8fd3d3',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const mono = 'font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"';
const sans = 'font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/**
 * The figure: on the left VTL2 memory to scale, on the right one row per piece (not to scale),
 * joined by lines at each boundary's real position. An explicit white background keeps it
 * readable on GitHub's dark theme, where a transparent SVG would put dark text on dark grey.
 */
export function layoutSvg(pieces: readonly LayoutPiece[]): string {
  const first = pieces[0]!.start;
  const last = pieces[pieces.length - 1]!.end;
  const top = 92;
  const barX = 84, barW = 96, barH = 640;
  const rowX = 400, rowW = 520, rowH = 42;
  const width = 960;
  const height = top + Math.max(barH, rowH * pieces.length) + 78;
  const scaleY = (a: bigint) => top + Number(((a - first) * BigInt(barH * 1000)) / (last - first)) / 1000;
  const f = (n: number) => (Math.round(n * 10) / 10).toString();
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" rx="8" fill="#ffffff" stroke="#d0d7de"/>`);
  out.push(`<text x="24" y="32" ${sans} font-size="18" font-weight="bold" fill="#1f2328">VTL2 memory of worked example A after its first boot</text>`);
  out.push(`<text x="24" y="54" ${sans} font-size="13" fill="#1f2328">x86, ${formatSize(last - first)} of VTL2 RAM at ${formatHex(first)}, Host mode, no isolation. Addresses grow downward.</text>`);
  out.push(`<text x="${barX + barW / 2}" y="${top - 12}" ${sans} font-size="12" font-weight="bold" fill="#1f2328" text-anchor="middle">to scale</text>`);
  out.push(`<text x="${rowX + rowW / 2}" y="${top - 12}" ${sans} font-size="12" font-weight="bold" fill="#1f2328" text-anchor="middle">one row per piece (not to scale)</text>`);
  // Left: the to-scale bar.
  for (const p of pieces) {
    const y0 = scaleY(p.start), y1 = scaleY(p.end);
    out.push(`<rect x="${barX}" y="${f(y0)}" width="${barW}" height="${f(Math.max(y1 - y0, 0.5))}" fill="${FILL[p.kind]}"/>`);
  }
  out.push(`<rect x="${barX}" y="${top}" width="${barW}" height="${barH}" fill="none" stroke="#1f2328"/>`);
  // Bar labels: the three spans a reader needs at this scale.
  const used = pieces.find((p) => p.label === 'page tables')!.end;
  const pool = pieces.find((p) => p.kind === 'pool')!;
  const spans: [string, bigint, bigint][] = [['loaded image', first, used], ['free RAM', used, pool.start], ['pool', pool.start, pool.end]];
  for (const [name, s, e] of spans) {
    out.push(`<text x="${barX + barW / 2}" y="${f((scaleY(s) + scaleY(e)) / 2 + 4)}" ${sans} font-size="12" font-weight="bold" fill="#1f2328" text-anchor="middle">${esc(name)}</text>`);
  }
  for (const a of [first, used, pool.start, last]) {
    out.push(`<line x1="${barX - 6}" y1="${f(scaleY(a))}" x2="${barX}" y2="${f(scaleY(a))}" stroke="#1f2328"/>`);
    out.push(`<text x="${barX - 9}" y="${f(scaleY(a) + 4)}" ${mono} font-size="11" fill="#1f2328" text-anchor="end">${formatHex(a)}</text>`);
  }
  // Right: the rows, each boundary joined to its true position on the bar.
  const rowY = (i: number) => top + i * rowH;
  const bounds = [...pieces.map((p) => p.start), last];
  bounds.forEach((a, i) => {
    out.push(`<line x1="${barX + barW}" y1="${f(scaleY(a))}" x2="${rowX - 92}" y2="${rowY(i)}" stroke="#57606a" stroke-width="0.8"/>`);
    out.push(`<line x1="${rowX - 92}" y1="${rowY(i)}" x2="${rowX}" y2="${rowY(i)}" stroke="#57606a" stroke-width="0.8"/>`);
    out.push(`<text x="${rowX - 6}" y="${rowY(i) - 3}" ${mono} font-size="11" fill="#1f2328" text-anchor="end">${formatHex(a)}</text>`);
  });
  pieces.forEach((p, i) => {
    const y = rowY(i);
    out.push(`<rect x="${rowX}" y="${y}" width="${rowW}" height="${rowH}" fill="${FILL[p.kind]}" stroke="#1f2328" stroke-width="0.8"/>`);
    out.push(`<text x="${rowX + 10}" y="${y + 17}" ${sans} font-size="13" font-weight="bold" fill="#1f2328">${esc(p.label)}</text>`);
    out.push(`<text x="${rowX + rowW - 10}" y="${y + 17}" ${sans} font-size="13" fill="#1f2328" text-anchor="end">${esc(formatSize(p.end - p.start))}</text>`);
    const reported = p.memreserve === 'none' ? `${p.vtlType} · ${p.e820}` : `${p.vtlType} · ${p.e820} · /memreserve/`;
    out.push(`<text x="${rowX + 10}" y="${y + 34}" ${mono} font-size="11" fill="#1f2328">${esc(reported)}</text>`);
  });
  // Legend.
  const ly = height - 44;
  const legend: [PieceKind, string][] = [['persisted', 'persisted state'], ['image', 'loaded image'], ['config', 'config pages'], ['reserved', 'reserved'], ['log', 'log buffer'], ['scratch', 'boot-time scratch'], ['ram', 'RAM'], ['pool', 'private pool']];
  let x = 24;
  for (const [kind, text] of legend) {
    out.push(`<rect x="${x}" y="${ly}" width="14" height="14" fill="${FILL[kind]}" stroke="#1f2328" stroke-width="0.8"/>`);
    out.push(`<text x="${x + 20}" y="${ly + 12}" ${sans} font-size="12" fill="#1f2328">${esc(text)}</text>`);
    x += 20 + text.length * 6.6 + 20;
  }
  out.push(`<text x="24" y="${ly + 32}" ${sans} font-size="11" fill="#57606a">Generated by test/docs/memory-layout-figure.ts from the emulator's boot of example A; test/docs/memory-layout-doc.test.ts checks it.</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Path of the committed figure. */
export const FIGURE_URL = new URL('../../docs/figures/vtl2-memory-layout.svg', import.meta.url);

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const pieces = exampleALayout();
  writeFileSync(FIGURE_URL, layoutSvg(pieces));
  console.log(layoutTable(pieces));
}
