// One build script, several entry points: extension (cjs, vscode external), CLI, worker, webview.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};

// ESM dependencies (web-tree-sitter) read import.meta.url, which a cjs bundle lacks: give them the bundle's own URL.
const node = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  define: { 'import.meta.url': '__sysightImportMetaUrl' },
  banner: { js: "const __sysightImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { worker: 'src/worker/worker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { 'profile-session': 'src/worker/profile-session.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { 'ranks-compute': 'src/worker/ranks-compute.ts' }, outdir: 'dist' },
  {
    ...common,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    entryPoints: { webview: 'webview/src/main.tsx' },
    outdir: 'dist/webview',
    loader: { '.css': 'css' },
  },
];

// The wasm files the engine loads at run time live beside the bundles.
function copyWasm() {
  mkdirSync('dist', { recursive: true });
  const files = [
    require.resolve('sql.js/dist/sql-wasm.wasm'),
    join(dirname(require.resolve('web-tree-sitter')), 'web-tree-sitter.wasm'),
    require.resolve('tree-sitter-python/tree-sitter-python.wasm'),
  ];
  for (const f of files) {
    if (existsSync(f)) copyFileSync(f, join('dist', f.split('/').pop()));
    else throw new Error(`wasm file missing: ${f}`);
  }
}

// The timing shim is Python the sandbox puts on PYTHONPATH: dist/shim/sitecustomize.py (+ its trace helper).
function copyShim() {
  mkdirSync(join('dist', 'shim'), { recursive: true });
  for (const f of ['sitecustomize.py', 'sysight_trace.py']) {
    copyFileSync(join('src', 'sandbox', 'shim', f), join('dist', 'shim', f));
  }
}

copyWasm();
copyShim();
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
