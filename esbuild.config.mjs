// One build script, several entry points: extension (cjs, vscode external), CLI, the two workers, webview.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { builtinModules, createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};

// A stamp of the code behind what the profile cache keeps: a hash of the listed files and every source under the
// listed folders (tests left out). Entries and kept answers carry the stamp of the engine that wrote them, and a
// rebuilt engine whose code changed never answers from what an older one wrote.
function sourceStamp(files, dirs) {
  const hash = createHash('sha256');
  const all = [...files];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) all.push(p);
    }
  };
  for (const d of dirs) walk(d);
  for (const f of all) hash.update(f).update(readFileSync(f));
  return hash.digest('hex').slice(0, 16);
}
// the model's cache entries: the model types and the readers (src/profile, its queries included)
const readerStamp = () => sourceStamp(['src/core/profile.ts', 'src/core/tables.ts'], ['src/profile']);
// the diagnosis kept in an entry (src/analyze/diagnose/kept.ts): the analysis and the core helpers it runs on
// (the profile queries it calls are covered by the entry's reader stamp)
const analyzeStamp = () => sourceStamp([], ['src/analyze', 'src/core']);

// ESM dependencies (web-tree-sitter) read import.meta.url, which a cjs bundle lacks: give them the bundle's own URL.
const node = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  define: { 'import.meta.url': '__sysightImportMetaUrl', __SYSIGHT_READER_STAMP__: JSON.stringify(readerStamp()),
    __SYSIGHT_ANALYZE_STAMP__: JSON.stringify(analyzeStamp()) },
  banner: { js: "const __sysightImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

// The CLI bundle is loaded through vm.Script with V8's code cache (bin/sysight.js). On Node 20 a function compiled
// from cached data has lost the script's dynamic-import callback (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so
// the dependencies' `import("<node builtin>")` (web-tree-sitter's `import("module")` and `import("fs/promises")`)
// become a require of the builtin through a top-level reference (a dependency may shadow `require` locally, as
// emscripten's output does); any other import() left in the bundle fails the build, which would otherwise
// silently lose the Python parser.
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
// an import( call, not a word ending in import nor inside a string or template (as in an error message that tells
// the user to write one)
const IMPORT_CALL = String.raw`(?<![\`'"\w.$])import\(`;
const importCall = new RegExp(IMPORT_CALL);
const dynamicImport = new RegExp(String.raw`${IMPORT_CALL}\s*(["'])([^"']+)\1\s*\)`, 'g');
const builtinImports = {
  name: 'builtin-dynamic-imports',
  setup(build) {
    build.onLoad({ filter: /node_modules[\\/].*\.m?js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import(')) return undefined;
      const contents = text.replace(dynamicImport, (all, _q, name) => (builtins.has(name) ? `Promise.resolve(__sysightBuiltin(${JSON.stringify(name)}))` : all));
      return contents === text ? undefined : { contents, loader: 'js' };
    });
    build.onEnd((result) => {
      for (const f of Object.keys(result.metafile?.outputs ?? {})) {
        if (!f.endsWith('.js')) continue;
        const left = readFileSync(f, 'utf8').split('\n').filter((l) => !/^\s*(\/\/|\/\*|\*)/.test(l))
          .find((l) => importCall.test(l));
        if (left) throw new Error(`${f}: a dynamic import() is left in the CLI bundle; bin/sysight.js's code-cache loader cannot run it`);
      }
    });
  },
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', plugins: [builtinImports], metafile: true,
    banner: { js: `${node.banner.js}\nconst __sysightBuiltin = (name) => require(name);` } },
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
