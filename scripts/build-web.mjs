#!/usr/bin/env node
// Bundles the explorer page's script (src/web/explorer/main.ts) into one minified IIFE,
// DIST/web/explorer.js, which `vtl2-persist explore` inlines into every page. Runs after tsc
// (package.json "build"), because the esbuild options come from the compiled src/web/bundle.ts.
// Usage: node scripts/build-web.mjs [DIST]   (default: dist beside this script's folder)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const { bundleExplorer } = await import(pathToFileURL(join(dist, 'web', 'bundle.js')).href);
const text = bundleExplorer(esbuild, join(root, 'src', 'web', 'explorer', 'main.ts'));
mkdirSync(join(dist, 'web'), { recursive: true });
writeFileSync(join(dist, 'web', 'explorer.js'), text);
