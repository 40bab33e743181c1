/**
 * The data an explorer page is drawn from (the contract between src/sim, which builds it, and
 * the page and SVG figures here, which draw it): JSON-safe types, every u64 a `0x…` string. The
 * definitions live in src/sim/explore-types.ts so that src/sim never imports src/web; this file
 * re-exports them under the names the page uses.
 */
export type {
  BootViewJson,
  ByteSpanJson,
  ByteViewJson,
  ExploreData,
  HardeningViewJson,
  MapChangeJson,
  MapComparisonJson,
  MapRangeJson,
  MapRangeKind,
  MemoryMapJson,
  OutcomeClassJson,
  SweepCellJson,
  SweepGridJson,
  TrailStepJson,
} from '../sim/explore-types.js';
