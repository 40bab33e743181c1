/**
 * src/web — what a person looks at: the standalone SVG figures (memory map, before/after
 * comparison, annotated bytes, crash-sweep heatmap; src/web/svg/, pure strings, no DOM) and the
 * offline explorer page built from the same data (`ExploreData`, computed in src/sim). The SVG
 * renderers and src/web/explorer/ run in Node and in the browser alike; page.ts, which assembles
 * the HTML file (it hashes the script for the page's CSP), is Node-only and is not exported here.
 * Imports the library's types and pure helpers, never src/cli.
 */
export * from './explore-data.js';
export { mapSvg, comparisonSvg, MAP_KINDS, MAP_KIND_NAMES, type MapSvgOptions } from './svg/map-svg.js';
export { bytesSvg, spanFill, type BytesSvgOptions } from './svg/bytes-svg.js';
export { sweepSvg, OUTCOME_NAMES, OUTCOME_ORDER, type SweepSvgOptions } from './svg/sweep-svg.js';
export { paletteFor, type Palette, type Theme } from './svg/palette.js';
