/**
 * The figures' colours, light and dark: one per memory-map range kind, per crash-sweep outcome
 * and per byte-span kind. Every SVG writes them as presentation attributes (`fill="…"`), which a
 * page's CSS overrides, so the explorer can restyle a figure per colour scheme through the
 * `data-kind` / `data-outcome` attributes without rendering it twice.
 */
import type { MapRangeKind, OutcomeClassJson } from '../explore-data.js';

/** Which colour set a figure is drawn in. */
export type Theme = 'light' | 'dark';

/** Colours of one theme. */
export interface Palette {
  /** Figure background. */
  background: string;
  /** Body text. */
  text: string;
  /** Secondary text (addresses, sizes, gaps). */
  muted: string;
  /** Outlines and break marks. */
  stroke: string;
  /** What a change mark (moved, appeared, vanished) is drawn in. */
  accent: string;
  /** Fill per memory-map range kind. */
  kinds: Record<MapRangeKind, string>;
  /** Fill per crash-sweep outcome class. */
  outcomes: Record<OutcomeClassJson, string>;
  /** Fill per header field (by name: `magic`, `protobuf_base`, …). */
  headerFields: Record<string, string>;
  /** Fill per byte-span kind other than `header` (for `value`: by nesting depth, cycling). */
  spans: { tag: string; length: string; value: readonly string[]; unknown: string; error: string; padding: string; none: string };
}

const LIGHT: Palette = {
  background: '#ffffff',
  text: '#1f2328',
  muted: '#59636e',
  stroke: '#8c959f',
  accent: '#cf222e',
  kinds: {
    'vtl0-ram': '#cfe3f7',
    'vtl2-ram': '#a7dcb0',
    config: '#f6d58e',
    'persisted-header': '#e07a5f',
    'persisted-protobuf': '#f4b39c',
    pool: '#c3b1e1',
    sidecar: '#8fd3cb',
    'log-buffer': '#f4a3c0',
    reserved: '#c9b9b2',
    'tdx-page-tables': '#ffd08a',
    'vtl0-mmio': '#e4e6ea',
    'vtl2-mmio': '#c9cdea',
    other: '#f0f0f0',
  },
  outcomes: {
    'restored-new': '#2e7d32',
    'restored-old': '#8bc98e',
    fresh: '#5aa9e6',
    panic: '#ef8a17',
    'silent-wrong': '#c62828',
  },
  headerFields: {
    magic: '#f7c58f',
    protobuf_base: '#a9c4e2',
    protobuf_region_len: '#b5dbae',
    protobuf_payload_len: '#f2b0b1',
  },
  spans: {
    tag: '#d7bde2',
    length: '#f7b6c2',
    value: ['#bfdcf0', '#c8e8c5', '#f3e7a1', '#e0d0f0'],
    unknown: '#f5e26b',
    error: '#e5484d',
    padding: '#f3f4f6',
    none: '#ffffff',
  },
};

const DARK: Palette = {
  background: '#0d1117',
  text: '#e6edf3',
  muted: '#9198a1',
  stroke: '#6e7681',
  accent: '#ff7b72',
  kinds: {
    'vtl0-ram': '#23415f',
    'vtl2-ram': '#2a5c35',
    config: '#6b5215',
    'persisted-header': '#9a3f27',
    'persisted-protobuf': '#7c3a26',
    pool: '#4d3a7a',
    sidecar: '#1f5c56',
    'log-buffer': '#7a2d4d',
    reserved: '#56463f',
    'tdx-page-tables': '#7a5212',
    'vtl0-mmio': '#30363d',
    'vtl2-mmio': '#353b66',
    other: '#262a30',
  },
  outcomes: {
    'restored-new': '#3fb950',
    'restored-old': '#2c6e3a',
    fresh: '#388bfd',
    panic: '#d29922',
    'silent-wrong': '#f85149',
  },
  headerFields: {
    magic: '#7a4b16',
    protobuf_base: '#1f3f66',
    protobuf_region_len: '#24532a',
    protobuf_payload_len: '#6e2a2d',
  },
  spans: {
    tag: '#553a66',
    length: '#6b4520',
    value: ['#1d3d5c', '#21492f', '#544517', '#42305a'],
    unknown: '#6b5d00',
    error: '#b62324',
    padding: '#161b22',
    none: '#0d1117',
  },
};

/** The colours of a theme. */
export function paletteFor(theme: Theme = 'light'): Palette {
  return theme === 'dark' ? DARK : LIGHT;
}
