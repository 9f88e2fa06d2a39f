// Builds every bundle with esbuild. Node bundles keep node_modules external, so the engine,
// the CLI and native backends (tfjs-node) share one copy of tfjs-core at run time.
import * as esbuild from 'esbuild';
import { existsSync, chmodSync } from 'node:fs';
import { layerViolations } from './layerRules.mjs';

const watch = process.argv.includes('--watch');

/** Node bundles: [entry, output, extra options]. Entries that do not exist yet are skipped. */
const nodeBundles = [
  ['src/core/index.ts', 'dist/core.js', {}],
  ['src/cli/main.ts', 'dist/cli.js', { banner: { js: '#!/usr/bin/env node' } }],
  ['src/bench/main.ts', 'dist/bench.js', {}],
  // The data-parallel training worker (worker_threads), beside the CLI that starts it.
  ['src/core/train/gradientWorker.ts', 'dist/gradientWorker.js', {}],
  ['src/extension/extension.ts', 'dist/extension.js', { external: ['vscode'] }],
];

/** Browser bundles for the webviews: Chart.js and vscode-elements are bundled in. */
const browserBundles = [
  // The run dashboard; its CSS import becomes dist/webview/main.css beside it.
  ['webview/main.ts', 'dist/webview/main.js', { minify: true }],
];

const common = { bundle: true, sourcemap: true, logLevel: 'warning', metafile: true };
const jobs = [];
for (const [entry, outfile, extra] of nodeBundles) {
  if (!existsSync(entry)) continue;
  jobs.push({ ...common, entryPoints: [entry], outfile, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', ...extra });
}
for (const [entry, outfile, extra = {}] of browserBundles) {
  if (!existsSync(entry)) continue;
  jobs.push({ ...common, entryPoints: [entry], outfile, platform: 'browser', target: 'es2022', format: 'iife', ...extra });
}

if (watch) {
  for (const job of jobs) (await esbuild.context(job)).watch();
} else {
  const results = await Promise.all(jobs.map((job) => esbuild.build(job)));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
  // The layers (docs/DESIGN.md) as the bundler saw them; a violation fails the build.
  const problems = jobs.flatMap((job, index) => layerViolations(job.outfile, results[index].metafile));
  if (problems.length > 0) {
    console.error(`build: ${problems.length} layer violation${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}
