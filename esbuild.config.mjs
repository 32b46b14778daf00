// One build script, several entry points: extension (cjs, vscode external), CLI, the two workers, webview.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
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

// The profile cache keys entries by a stamp of the code that builds the model (the model types and the
// readers): a rebuilt engine whose readers changed never answers from an entry an older one wrote.
function readerStamp() {
  const hash = createHash('sha256');
  const files = ['src/core/profile.ts', 'src/core/tables.ts'];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) files.push(p);
    }
  };
  walk('src/profile');
  for (const f of files) hash.update(f).update(readFileSync(f));
  return hash.digest('hex').slice(0, 16);
}

// ESM dependencies (web-tree-sitter) read import.meta.url, which a cjs bundle lacks: give them the bundle's own URL.
const node = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  define: { 'import.meta.url': '__sysightImportMetaUrl', __SYSIGHT_READER_STAMP__: JSON.stringify(readerStamp()) },
  banner: { js: "const __sysightImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist' },
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
  for (const f of ['sitecustomize.py', 'sysight_trace.py', 'sysight_python.py']) {
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
