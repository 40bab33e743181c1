import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ExploreData } from '../../src/web/explore-data.js';
import { explorerHtml } from '../../src/web/page.js';
import { ROOT, builtExplorerCli, cleanupExplorerCli, findChromium, openPage, runCli, type PageLog } from './harness.js';

// The explorer page in a real browser, checked as a person would use it: the pages are made by
// the built CLI from the documented examples, opened from file:// with the network cut off,
// and what they show is compared with what `inspect`, `simulate` and `crash-sweep` print.
// Screenshots (1280×800, light and dark) go to test-output/explorer/ for a human to look at.
const chromium = findChromium();
const required = process.env['VTL2_PERSIST_REQUIRE_BROWSER'] === '1';
const SHOTS = join(ROOT, 'test-output', 'explorer');

if (chromium === undefined && !required) {
  console.log('browser tests skipped: no Chromium found (apt-get install -y chromium, or set VTL2_PERSIST_CHROMIUM=/path/to/chromium, to run them)');
}

describe.runIf(chromium === undefined && required)('browser required', () => {
  test('VTL2_PERSIST_REQUIRE_BROWSER=1 but no Chromium is installed', () => {
    expect.fail('no chromium on PATH (apt-get install -y chromium) and VTL2_PERSIST_REQUIRE_BROWSER=1 makes that a failure');
  });
});

interface WireRow {
  offset: number;
  end: number;
  depth: number;
  path: string;
  value?: string;
  head_hex: string;
  length?: number;
}

describe.runIf(chromium !== undefined)('explorer page in Chromium', () => {
  let browser: Browser;
  let dir: string;
  const pages: Record<'torn' | 'state' | 'region', { file: string; data: ExploreData }> = {} as never;
  const logs: { name: string; log: PageLog }[] = [];
  let inspect: { header: { fields: { offset: number; name: string; value: string; meaning: string }[] }; payload: { file_offset: number }; wire: { rows: WireRow[] } };

  beforeAll(async () => {
    const { chromium: driver } = await import('playwright-core');
    builtExplorerCli();
    dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-browser-'));
    runCli(['image', join(ROOT, 'docs/examples/state.json'), '--base', '0x8000000', '-o', 'region.bin'], dir);
    const make = (key: keyof typeof pages, input: string, extra: string[] = []) => {
      runCli(['explore', input, ...extra, '-o', `${key}.html`], dir);
      pages[key] = { file: join(dir, `${key}.html`), data: JSON.parse(runCli(['explore', input, ...extra, '--json'], dir)) as ExploreData };
    };
    make('torn', join(ROOT, 'docs/examples/torn-save.json'), ['--sweep', '--harden']);
    make('state', join(ROOT, 'docs/examples/state.json'));
    make('region', 'region.bin', ['--base', '0x8000000']);
    inspect = JSON.parse(runCli(['inspect', 'region.bin', '--base', '0x8000000', '--json'], dir));
    mkdirSync(SHOTS, { recursive: true });
    browser = await driver.launch({ executablePath: chromium!, args: ['--no-sandbox', '--disable-gpu'] });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    cleanupExplorerCli();
  });

  async function open(key: keyof typeof pages, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const { page, log } = await openPage(browser, pages[key].file, scheme);
    logs.push({ name: `${key} (${scheme})`, log });
    return page;
  }

  async function tab(page: Page, id: string): Promise<void> {
    await page.click(`[role="tab"][data-tab="${id}"]`);
    await page.waitForSelector(`#panel-${id}:not([hidden])`);
  }

  const detail = (page: Page, key: string) => page.textContent(`#detail [data-detail="${key}"]`);

  test('hovering a header byte shows its field, value and meaning as inspect does', async () => {
    const page = await open('region');
    for (const f of inspect.header.fields) {
      await page.hover(`[data-offset="${f.offset + 3}"]`);
      expect(await detail(page, 'path')).toBe(`header.${f.name}`);
      expect(await detail(page, 'value-hex')).toBe(f.value);
      expect(await detail(page, 'meaning')).toBe(f.meaning);
    }
    await page.hover('[data-offset="8"]');
    expect(await detail(page, 'path')).toBe('header.protobuf_base');
    expect(await detail(page, 'value-hex')).toBe('0x8001000');
    expect(await detail(page, 'value-dec')).toBe('134221824');
    expect(await detail(page, 'meaning')).toContain('base + 0x1000');
    await page.context().close();
  });

  test('hovering a payload byte names the innermost wire row inspect --json gives for its offset', async () => {
    const page = await open('region');
    const base = inspect.payload.file_offset;
    const leaves = inspect.wire.rows.filter((r) => r.value !== undefined);
    const chosen = [leaves[0]!, leaves[Math.floor(leaves.length / 2)]!, leaves[leaves.length - 1]!, ...leaves.filter((r) => r.path === 'partition_memory[3].range.end')];
    expect(chosen.length).toBeGreaterThanOrEqual(4);
    for (const row of chosen) {
      // The last byte of the row: the value's bytes (the tag is its first).
      const offset = base + row.end - 1;
      const innermost = inspect.wire.rows.filter((r) => r.offset <= row.end - 1 && row.end - 1 < r.end).sort((a, b) => b.depth - a.depth)[0]!;
      await page.hover(`[data-offset="${offset}"]`);
      expect(await detail(page, 'path')).toBe(innermost.path);
      expect(await detail(page, 'value-hex')).toBe(row.value);
      expect(await detail(page, 'offset')).toContain(`0x${offset.toString(16)} (${offset})`);
    }
    await page.context().close();
  });

  test('keyboard: Tab reaches the tabs, arrows switch tabs and move the byte selection', async () => {
    const page = await open('region');
    let focused = '';
    for (let i = 0; i < 10 && focused !== 'tab'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.getAttribute('role') ?? '');
    }
    expect(focused).toBe('tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-tab'))).toBe('bytes');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-tab'))).toBe('map');
    expect(await page.isVisible('#panel-map')).toBe(true);
    await page.keyboard.press('ArrowLeft');
    expect(await page.isVisible('#panel-bytes')).toBe(true);
    // Tab from the selected tab goes into the grid, onto its one tab stop: the selected byte.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-offset'))).toBe('0');
    await page.keyboard.press('ArrowRight');
    expect(await detail(page, 'offset')).toMatch(/^0x1 \(1\)/);
    await page.keyboard.press('ArrowDown');
    expect(await detail(page, 'offset')).toMatch(/^0x11 \(17\)/);
    expect(await detail(page, 'path')).toBe('header.protobuf_region_len');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-offset'))).toBe('0');
    // Down from the header's last row jumps over the collapsed zero padding to the payload.
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowDown');
    expect(Number(await page.evaluate(() => document.activeElement?.getAttribute('data-offset')))).toBe(inspect.payload.file_offset);
    await page.context().close();
  });

  test('the memory map shows every range of each map, with its label', async () => {
    for (const key of ['state', 'torn'] as const) {
      const { data } = pages[key];
      const page = await open(key);
      await tab(page, 'map');
      const maps = [...data.boots.filter((b) => b.map !== undefined).map((b) => b.map!), ...(data.savedMap === null ? [] : [data.savedMap])];
      expect(maps.length).toBeGreaterThan(0);
      const options = await page.$$eval('#map-pick option', (os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(options).toHaveLength(maps.length);
      for (const [i, map] of maps.entries()) {
        await page.selectOption('#map-pick', String(i));
        const labels = await page.$$eval('.figure.map .range', (gs) => gs.map((g) => g.getAttribute('data-label')));
        expect(labels).toEqual(map.ranges.map((r) => r.label));
        const rows = await page.$$eval('table.ranges tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
        expect(rows.map((r) => [r[0], r[1], r[3]])).toEqual(map.ranges.map((r) => [r.start, r.end, r.label]));
      }
      await page.context().close();
    }
  });

  test('the torn save: before vs after lists what changed, and the last boot ends in the verdict simulate gives', async () => {
    const { data } = pages.torn;
    const simulated = JSON.parse(runCli(['simulate', join(ROOT, 'docs/examples/torn-save.json'), '--json'], dir)) as { steps: { op: string; path?: string }[] }[];
    const boots = simulated[0]!.steps.filter((s) => s.op === 'boot');
    const page = await open('torn');
    await tab(page, 'trail');
    const verdicts = await page.$$eval('.boot .verdict', (ps) => ps.map((p) => p.getAttribute('data-path')));
    expect(verdicts).toEqual(boots.map((b) => b.path));
    expect(await page.textContent('.boot:last-of-type .verdict')).toContain(data.boots.at(-1)!.verdict.text);
    const checks = await page.$$eval('.boot:last-of-type ol.trail li', (lis) => lis.map((li) => [li.getAttribute('data-check'), li.getAttribute('data-outcome')]));
    expect(checks).toEqual(data.boots.at(-1)!.trail.map((s) => [s.check, s.outcome]));
    await tab(page, 'map');
    expect(await page.$$eval('#cmp-pick option', (os) => os.length)).toBe(data.comparisons.length);
    const changed = data.comparisons[0]!.changes.filter((c) => c.change !== 'same').length;
    expect(await page.$$eval('.changes li', (lis) => lis.length)).toBe(changed);
    await page.context().close();
  });

  test("the heatmap's counts are crash-sweep --json's; clicking a cell shows that case", async () => {
    const { data } = pages.torn;
    const [report] = JSON.parse(runCli(['crash-sweep', join(ROOT, 'docs/examples/torn-save.json'), '--json'], dir)) as { counts: Record<string, number>; points: number }[];
    const page = await open('torn');
    await tab(page, 'sweep');
    for (const [outcome, count] of Object.entries(report!.counts)) {
      expect(await page.textContent(`[data-count-for="${outcome}"]`)).toBe(String(count));
    }
    expect(await page.$$eval('.figure.sweep [data-k]', (cs) => cs.length)).toBe(report!.points);
    const wrong = data.sweep!.cells.find((c) => c.outcome === 'silent-wrong')!;
    await page.click(`.figure.sweep [data-k="${wrong.k}"]`);
    expect(await page.textContent('#sweep-detail [data-detail="summary"]')).toBe(wrong.summary);
    expect(await page.getAttribute('#sweep-detail [data-detail="outcome"]', 'data-outcome')).toBe('silent-wrong');
    // The cells are one tab stop; Right moves to the next crash point.
    await page.keyboard.press('ArrowRight');
    expect(await page.textContent('#sweep-detail h3')).toBe(`crash point k = ${wrong.k + 1}`);
    await page.context().close();
  });

  test('hostile text stays text, and unknown fields and the decode-error byte are marked', async () => {
    const fixture = JSON.parse(readFileSync(join(ROOT, 'test/web/fixtures/hostile-payload.json'), 'utf8')) as ExploreData;
    const script = readFileSync(join(dirname(dirname(builtExplorerCli())), 'web', 'explorer.js'), 'utf8');
    writeFileSync(join(dir, 'hostile.html'), explorerHtml(fixture, script));
    const { page, log } = await openPage(browser, join(dir, 'hostile.html'));
    logs.push({ name: 'hostile', log });
    const dialogs: string[] = [];
    page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    expect(await page.title()).toBe(`${fixture.input.name} — vtl2-persist explorer`);
    expect(await page.textContent('.top .input code')).toBe(fixture.input.name);
    expect(await page.textContent('.findings li')).toContain('<b>bold</b>');
    expect(await page.$$eval('[data-offset].k-unknown', (cs) => cs.map((c) => c.getAttribute('data-offset')))).toEqual(['9', '10']);
    expect(await page.$$eval('[data-offset].err', (cs) => cs.map((c) => c.getAttribute('data-offset')))).toEqual(['11']);
    // The page opens on the byte the decode fails at.
    expect(await detail(page, 'error')).toBe('the real decoder fails at this byte');
    await page.hover('[data-offset="6"]');
    expect(await detail(page, 'meaning')).toBe('end of the range <img src=x onerror=alert(1)>');
    await page.hover('[data-offset="9"]');
    expect(await detail(page, 'kind')).toMatch(/^unknown field/);
    await tab(page, 'map');
    expect(await page.$$eval('.figure.map .range', (gs) => gs.map((g) => g.getAttribute('data-label')))).toEqual(fixture.savedMap!.ranges.map((r) => r.label));
    await tab(page, 'trail');
    expect(await page.getAttribute('.verdict', 'data-path')).toBe('panic');
    await tab(page, 'sweep');
    await page.click('[data-k="2"]');
    expect(await page.textContent('#sweep-detail [data-detail="summary"]')).toBe(fixture.sweep!.cells[2]!.summary);
    expect(await page.$$('img, iframe, object, embed')).toHaveLength(0);
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'hostile-sweep-light.png') });
    await page.context().close();
  });

  test("the hardening view: one heatmap per variant, with harden --json's counts, all but real marked hypothetical", async () => {
    type Sweep = { counts: Record<string, number>; points: number };
    const [report] = JSON.parse(runCli(['harden', join(ROOT, 'docs/examples/torn-save.json'), '--json'], dir)) as { variants: { variant: string; hypothetical: boolean; hardened: Sweep }[] }[];
    const page = await open('torn');
    await tab(page, 'hardening');
    expect(await page.$$eval('.hardening-grid [data-variant]', (vs) => vs.map((v) => v.getAttribute('data-variant')))).toEqual(report!.variants.map((v) => v.variant));
    for (const v of report!.variants) {
      const section = `.hardening-grid [data-variant="${v.variant}"]`;
      for (const [outcome, count] of Object.entries(v.hardened.counts)) {
        expect(await page.textContent(`${section} [data-lab-count="${outcome}"]`), `${v.variant} ${outcome}`).toBe(String(count));
      }
      expect(await page.$$eval(`${section} [data-k]`, (cs) => cs.length)).toBe(v.hardened.points);
      expect(await page.textContent(`${section} .badge`)).toBe(v.hypothetical ? 'hypothetical' : 'shipped');
    }
    // A picture, not a control: no cell of it is in the tab order.
    expect(await page.$$eval('.hardening-grid [data-k][tabindex="0"]', (cs) => cs.length)).toBe(0);
    await page.context().close();
  });

  test('screenshots of every view, light and dark (test-output/explorer/)', async () => {
    for (const key of ['torn', 'region', 'state'] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await open(key, scheme);
        for (const id of ['bytes', 'map', 'trail', 'sweep', 'hardening']) {
          await tab(page, id);
          await page.screenshot({ path: join(SHOTS, `${key}-${id}-${scheme}.png`) });
        }
        // The scheme is honoured by the page and by the figures drawn in it.
        expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(scheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
        await tab(page, 'map');
        expect(await page.getAttribute('.figure.map rect.background', 'fill')).toBe(scheme === 'dark' ? '#0d1117' : '#ffffff');
        await page.context().close();
      }
    }
  }, 120_000);

  test('no page logged an error or asked for anything but file://', () => {
    expect(logs.length).toBeGreaterThan(10);
    expect(logs.filter((l) => l.log.errors.length > 0 || l.log.requests.length > 0)).toEqual([]);
    expect(readFileSync(pages.torn.file, 'utf8')).toMatch(/^<!doctype html>/);
  });
});
