/**
 * The explorer page as one self-contained HTML file: the stylesheet, the data and the bundled
 * script (dist/web/explorer.js, from src/web/explorer/main.ts) all inlined, so it opens from
 * `file://` with no network at all. A Content-Security-Policy meta tag makes that a rule the
 * browser enforces, not only a habit of the code: nothing may be fetched, and the only script
 * that may run is the inlined bundle (allowed by its SHA-256), so no inline event handler in
 * data-derived markup could run either.
 */
import { createHash } from 'node:crypto';
import type { ExploreData } from './explore-data.js';
import { EXPLORER_CSS } from './explorer/style.js';

/** Text for an HTML text node or a double-quoted attribute value. */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The data as the content of a `<script type="application/json">`. Every `<` becomes `\u003c`
 * (the same string to JSON.parse), so no `</script` or `<!--` can end or confuse the element,
 * whatever the input's labels hold.
 */
export function embeddedJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c');
}

/**
 * The bundle as the content of an inline `<script>`. esbuild already writes `</script` inside
 * strings as `<\/script`; this guards the same for `<!--` and any `</script` that got through,
 * both of which only occur inside string or regex literals, where the escape is harmless.
 */
function inlineScript(script: string): string {
  return script.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/**
 * The explorer page for `data`, with `script` (the bundled src/web/explorer/main.ts) inlined.
 * Deterministic: the same data and script give the same bytes.
 */
export function explorerHtml(data: ExploreData, script: string): string {
  const js = inlineScript(script);
  const hash = createHash('sha256').update(js, 'utf8').digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${hash}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="generator" content="vtl2-persist explore">
<title>${escapeHtml(`${data.input.name} — vtl2-persist explorer`)}</title>
<style>${EXPLORER_CSS}</style>
</head>
<body>
<main id="app"><noscript><p>This page draws its views with JavaScript; enable it to explore ${escapeHtml(data.input.name)}.</p></noscript></main>
<script type="application/json" id="explore-data">${embeddedJson(data)}</script>
<script>${js}</script>
</body>
</html>
`;
}
