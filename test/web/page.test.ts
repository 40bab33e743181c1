import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { bundleExplorer, type EsbuildLike } from '../../src/web/bundle.js';
import type { ExploreData } from '../../src/web/explore-data.js';
import { embeddedJson, explorerHtml } from '../../src/web/page.js';

// The page as a file: one HTML document whose embedded data survives any text the input holds,
// whose only script is the inlined bundle (the CSP hash must match it, or the browser runs
// nothing), and which names no network address.
const hostile = JSON.parse(readFileSync(new URL('./fixtures/hostile-payload.json', import.meta.url), 'utf8')) as ExploreData;
const ENTRY = fileURLToPath(new URL('../../src/web/explorer/main.ts', import.meta.url));

/** The content of the element `<script …attrs>…</script>` (the first one whose open tag matches). */
function scriptContent(html: string, open: RegExp): string {
  const m = open.exec(html);
  if (m === null) throw new Error(`no ${open}`);
  const start = m.index + m[0].length;
  return html.slice(start, html.indexOf('</script>', start));
}

describe('explorerHtml', () => {
  const script = 'console.log("a</script>b", "<!--c");';
  const html = explorerHtml(hostile, script);

  test('the embedded data parses back to the data, whatever `</script` or `<!--` it holds', () => {
    const json = scriptContent(html, /<script type="application\/json" id="explore-data">/);
    expect(json).not.toMatch(/<\/script|<!--|</i);
    expect(JSON.parse(json)).toEqual(hostile);
    expect(embeddedJson({ a: '</SCRIPT><!--' })).toBe('{"a":"\\u003c/SCRIPT>\\u003c!--"}');
  });

  test('the document holds two script elements (data, bundle) and no comment opener', () => {
    expect(html.match(/<\/script>/gi)).toHaveLength(2);
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html.match(/<!--/g)).toBeNull();
  });

  test('the inline script is the bundle, with </script and <!-- escaped, and the CSP allows exactly it', () => {
    const js = scriptContent(html, /<script>/);
    expect(js).toBe('console.log("a<\\/script>b", "<\\!--c");');
    const hash = createHash('sha256').update(js, 'utf8').digest('base64');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1]?.replaceAll('&#39;', "'");
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
  });

  test('the title escapes the input name', () => {
    expect(html).toContain('<title>evil&#60;/script&#62;&#60;!--&#60;script&#62;alert(1)&#60;/script&#62;.bin — vtl2-persist explorer</title>');
  });

  test('the same data and script give the same bytes', () => {
    expect(explorerHtml(structuredClone(hostile), script)).toBe(html);
  });
});

describe('the real bundle in a page', () => {
  const esbuild = createRequire(import.meta.url)('esbuild') as EsbuildLike;
  const bundle = bundleExplorer(esbuild, ENTRY);
  const html = explorerHtml(hostile, bundle);

  test('is one IIFE, minified (no line of source comments)', () => {
    expect(bundle.startsWith('"use strict";(()=>{')).toBe(true);
    expect(bundle.trimEnd().endsWith('})();')).toBe(true);
    expect(bundle).not.toMatch(/\/\*\*|^\s*\/\/ /m);
  });

  test('names no address but the XML namespaces (identifiers, never fetched)', () => {
    const urls = [...html.matchAll(/\b(?:https?|wss?|ftp):\/\/[^\s"'`)<>]*/gi)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(urls.filter((u) => /^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xhtml|1999\/xlink|XML\/1998\/namespace)$/.test(u))));
    // Outside the data (whose strings are the input's, shown as text), nothing that loads a resource.
    const data = scriptContent(html, /<script type="application\/json" id="explore-data">/);
    expect(html.replace(data, '')).not.toMatch(/\bsrc=|\bhref=|@import|url\(/i);
  });
});
