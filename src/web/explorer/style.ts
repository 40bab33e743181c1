/**
 * The explorer page's stylesheet, inlined by src/web/page.ts. Colours are custom properties with
 * a light and a dark set (`prefers-color-scheme`); byte colours are `hsl(var(--h) …)` so one hue
 * per field reads in both schemes. Focus is always visible (a thick outline in its own colour).
 * Sized for 1280×800: the hex grid and the detail panel sit side by side.
 */
export const EXPLORER_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --panel: #f6f8fa; --border: #d1d9e0;
  --accent: #0969da; --focus: #bf3989;
  --sat: 70%; --l-value: 86%; --l-alt: 78%; --l-tag: 66%;
  --pass: #1a7f37; --fail: #cf222e; --skip: #818b98; --info: #0969da; --warn: #9a6700;
  --mono: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  --sans: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --panel: #151b23; --border: #3d444d;
    --accent: #4493f8; --focus: #f778ba;
    --sat: 45%; --l-value: 24%; --l-alt: 31%; --l-tag: 40%;
    --pass: #3fb950; --fail: #f85149; --skip: #9198a1; --info: #4493f8; --warn: #d29922;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 var(--sans); }
main { max-width: 1260px; margin: 0 auto; padding: 12px 16px 32px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2, h3 { font-size: 15px; margin: 14px 0 6px; }
code { font-family: var(--mono); }
.top .input { margin: 0 0 8px; color: var(--muted); }
.note { color: var(--muted); margin: 6px 0; }
.error { color: var(--fail); font-weight: 600; }
.findings { margin: 4px 0 10px; padding-left: 18px; }
.findings .sev { font-weight: 600; text-transform: uppercase; font-size: 11px; }
.findings [data-severity="error"] .sev { color: var(--fail); }
.findings [data-severity="warning"] .sev { color: var(--warn); }
.findings [data-severity="info"] .sev { color: var(--info); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 1px; }

.tabs { display: flex; gap: 4px; border-bottom: 1px solid var(--border); margin-top: 8px; }
.tabs [role="tab"] {
  font: inherit; font-weight: 600; color: var(--muted); background: none; cursor: pointer;
  border: 1px solid transparent; border-bottom: none; border-radius: 6px 6px 0 0; padding: 7px 14px; margin-bottom: -1px;
}
.tabs [role="tab"][aria-selected="true"] { color: var(--fg); background: var(--bg); border-color: var(--border); }
.tabs [role="tab"]:hover { color: var(--fg); }
.panel { padding-top: 10px; }

.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 0; margin: 6px 0; font-size: 13px; }
.legend li { display: inline-flex; align-items: center; gap: 5px; }
.legend button { font: inherit; color: inherit; background: none; border: 1px solid var(--border); border-radius: 4px; padding: 1px 6px; cursor: pointer; display: inline-flex; align-items: center; gap: 5px; }
.legend button[aria-pressed="true"] { border-color: var(--fg); font-weight: 600; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; border: 1px solid var(--border); }
.swatch.themed { background: var(--c-light); }
@media (prefers-color-scheme: dark) { .swatch.themed { background: var(--c-dark); } }

.bytes-body { display: flex; gap: 16px; align-items: flex-start; }
.hexgrid { font: 13px/1.6 var(--mono); flex: none; max-height: calc(100vh - 190px); min-height: 300px; overflow: auto; padding: 4px 8px 4px 2px; border: 1px solid var(--border); border-radius: 6px; }
.hexgrid .row { display: flex; align-items: center; white-space: pre; }
.hexgrid .off { color: var(--muted); width: 6ch; flex: none; }
.hexgrid .ascii { color: var(--muted); margin-left: 12px; letter-spacing: 0.5px; }
.hexgrid .sect { font: 600 12px var(--sans); color: var(--muted); margin: 8px 0 2px 6ch; letter-spacing: .02em; }
.hexgrid .gap { color: var(--muted); font-style: italic; margin: 2px 0 2px 6ch; }
.b { display: inline-block; width: 2.7ch; text-align: center; margin-right: 1px; border-radius: 2px; cursor: default; --h: 0; }
.b.k-header, .b.k-value { background: hsl(var(--h) var(--sat) var(--l-value)); }
.b.alt.k-value, .b.alt.k-header { background: hsl(var(--h) var(--sat) var(--l-alt)); }
.b.k-tag, .b.k-length { background: hsl(var(--h) var(--sat) var(--l-tag)); font-weight: 600; }
.b.k-padding { background: var(--panel); color: var(--muted); }
.b.k-none { color: var(--muted); }
.b.k-unknown { background: repeating-linear-gradient(135deg, hsl(40 90% var(--l-value)) 0 3px, hsl(40 90% var(--l-tag)) 3px 6px); }
.b.k-error, .b.err { background: var(--fail); color: #fff; font-weight: 700; }
.b.first { margin-left: 3px; }
.b.hl { box-shadow: inset 0 -2px 0 var(--fg); }
.b.sel { outline: 2px solid var(--fg); outline-offset: 0; }
.b:focus-visible { outline: 3px solid var(--focus); }
#detail, #sweep-detail { flex: 1; min-width: 280px; background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 8px 12px; position: sticky; top: 8px; }
#detail h3 { font: 600 14px var(--mono); margin: 2px 0 8px; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 12px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; font-family: var(--mono); word-break: break-word; }
dd[data-detail="meaning"], dd[data-detail="summary"] { font-family: var(--sans); }

.figure { border: 1px solid var(--border); border-radius: 6px; padding: 8px; overflow: auto; }
.map-body { display: flex; gap: 16px; align-items: flex-start; }
.map-body .figure { flex: none; max-width: 60%; max-height: calc(100vh - 170px); }
.map-table { flex: 1; min-width: 0; overflow-x: auto; }
table.ranges tr.hl td { background: var(--panel); font-weight: 600; }
.figure svg { display: block; max-width: 100%; height: auto; }
.pickers { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin: 4px 0 8px; }
select { font: inherit; padding: 3px 6px; background: var(--bg); color: var(--fg); border: 1px solid var(--border); border-radius: 4px; }
table.ranges { border-collapse: collapse; font-size: 13px; }
table.ranges th, table.ranges td { text-align: left; padding: 2px 14px 2px 0; border-bottom: 1px solid var(--border); white-space: nowrap; }
table.ranges td.num { font-family: var(--mono); }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--muted); }
.changes { margin: 6px 0; padding-left: 18px; }
.changes [data-change="moved"] { color: var(--warn); }
.changes [data-change="appeared"] { color: var(--pass); }
.changes [data-change="vanished"] { color: var(--fail); }

.trail-view .boot { border: 1px solid var(--border); border-radius: 6px; padding: 4px 14px 8px; margin-bottom: 10px; }
ol.trail { margin: 0; padding-left: 28px; }
ol.trail li { padding: 2px 0; }
ol.trail .mark { display: inline-block; width: 1.4em; font-weight: 700; text-align: center; }
ol.trail [data-outcome="pass"] .mark { color: var(--pass); }
ol.trail [data-outcome="fail"] .mark { color: var(--fail); }
ol.trail [data-outcome="fail"] .question { font-weight: 600; }
ol.trail [data-outcome="skip"] { color: var(--muted); }
ol.trail [data-outcome="info"] .mark { color: var(--info); font-style: italic; }
ol.trail .seen { color: var(--muted); margin-left: 8px; }
ol.trail .seen::before { content: "— "; }
.verdict { margin: 8px 0 2px; padding: 6px 10px; border-radius: 4px; border-left: 4px solid var(--pass); background: var(--panel); }
.verdict[data-path="host"] { border-left-color: var(--info); }
.verdict[data-path="panic"] { border-left-color: var(--fail); }

.sweep-body { display: flex; gap: 16px; align-items: flex-start; }
.sweep-body .figure { flex: none; max-width: 860px; }
[data-k] { cursor: pointer; }
[data-k]:focus { outline: none; }
[data-k]:hover { stroke: var(--fg); stroke-width: 2px; }
[data-k]:focus-visible, [data-k].sel { stroke: var(--focus); stroke-width: 3px; paint-order: stroke; }
.figure [data-k].dim { opacity: 0.15; }
/* The page has its own legend, with counts that filter; the figure's own would repeat it. */
.figure.sweep .legend-item { display: none; }

.hardening-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 12px 20px; }
.hardening-grid .variant { border: 1px solid var(--border); border-radius: 6px; padding: 4px 10px 8px; min-width: 0; }
.hardening-grid h3 { margin: 6px 0 2px; font-size: 15px; }
.hardening-grid .summary { margin: 2px 0; color: var(--muted); font-size: 13px; }
.hardening-grid .counts { margin: 4px 0; font-size: 13px; }
.hardening-grid .figure { overflow-x: auto; }
.hardening-grid [data-k] { cursor: default; }
.badge { font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; border: 1px solid var(--fail); color: var(--fail); border-radius: 3px; padding: 0 4px; vertical-align: middle; }
.badge.shipped { border-color: var(--pass); color: var(--pass); }
`;
