/**
 * How the explorer's script is bundled: one place for the esbuild options, used by
 * scripts/build-web.mjs at build time (writing dist/web/explorer.js) and by `vtl2-persist
 * explore` when it runs from source, where no bundle was built. esbuild is a development
 * dependency only; the installed package carries the prebuilt bundle and never loads it.
 */

/** The part of esbuild's API this module uses (so its types need not be a dependency). */
export interface EsbuildLike {
  buildSync(options: Record<string, unknown>): { outputFiles?: { text: string }[]; errors: { text: string }[] };
}

/**
 * esbuild options for the page script: one minified IIFE for current browsers, UTF-8 kept as
 * is (the page declares its charset), no source map and no legal comments, so the same
 * sources always give the same bytes.
 */
export function explorerBundleOptions(entry: string): Record<string, unknown> {
  return {
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    charset: 'utf8',
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'silent',
  };
}

/** Bundles the explorer from `entry` (src/web/explorer/main.ts, or its compiled main.js) in memory. */
export function bundleExplorer(esbuild: EsbuildLike, entry: string): string {
  const result = esbuild.buildSync({ ...explorerBundleOptions(entry), write: false });
  const text = result.outputFiles?.[0]?.text;
  if (text === undefined) throw new Error(`esbuild produced no output for ${entry}`);
  return text;
}
