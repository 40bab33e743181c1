/**
 * What the browser tests stand on: Debian's Chromium driven by playwright-core (which never
 * downloads a browser of its own), the CLI as users get it (compiled by tsc and the page script
 * bundled by scripts/build-web.mjs beside it, as `npm run build` does, into a temp directory),
 * and a page opened from `file://` with every request routed: anything but `file://` is
 * aborted and recorded, and console errors and uncaught exceptions are recorded too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { builtCli, cleanupCli } from '../fuzz/cli-layer.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Chromium's path: `VTL2_PERSIST_CHROMIUM` if set (and executable), else the first of the usual names on PATH. */
export function findChromium(): string | undefined {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const explicit = process.env['VTL2_PERSIST_CHROMIUM'];
  // An explicit path is the only one tried: pointing it at nothing is how to test the skip.
  if (explicit !== undefined && explicit !== '') return executable(explicit) ? explicit : undefined;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
      if (dir !== '' && executable(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

let cli: string | undefined;

/** The built CLI's bin.js, with dist/web/explorer.js bundled beside it (built once per process). */
export function builtExplorerCli(): string {
  if (cli !== undefined) return cli;
  const bin = builtCli();
  const dist = dirname(dirname(bin));
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs'), dist], { cwd: ROOT, stdio: 'pipe' });
  cli = bin;
  return cli;
}

/** Removes the temp build. */
export function cleanupExplorerCli(): void {
  cleanupCli();
  cli = undefined;
}

/** Runs the built CLI; returns stdout, throwing with stderr when it exits other than `expect`. */
export function runCli(args: readonly string[], cwd: string, expect = 0): string {
  const r = spawnSync(process.execPath, [builtExplorerCli(), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 256 << 20 });
  if (r.status !== expect) throw new Error(`vtl2-persist ${args.join(' ')}: exit ${r.status}, stderr: ${r.stderr}`);
  return r.stdout;
}

/** What one page did that a person would not want: console errors, uncaught errors, network requests. */
export interface PageLog {
  errors: string[];
  requests: string[];
}

/** Opens `file` from file:// in a fresh context (1280×800, the given colour scheme), recording into the returned log. */
export async function openPage(browser: Browser, file: string, colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page; log: PageLog }> {
  const log: PageLog = { errors: [], requests: [] };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    log.requests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!r.url().startsWith('file://')) return;
    log.errors.push(`failed: ${r.url()}`);
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('[role="tab"]');
  return { context, page, log };
}
