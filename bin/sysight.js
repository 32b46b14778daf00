#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('sysight: not built yet: run `npm run build` first\n');
  process.exit(2);
}

/**
 * Loads the CLI bundle with V8's code cache (Node 20 has no module.enableCompileCache): compiling the 5 MB bundle
 * is most of the CLI's start. The cache sits beside the bundle, named by its size and mtime (V8 itself checks
 * only the source's length, so a rebuilt bundle must not find the old file); it is written after the first run
 * (then it holds the functions that run compiled too), and a rejected or unwritable cache only costs the compile.
 * A function compiled from cached data loses the script's dynamic-import callback on Node 20, so the CLI bundle
 * has no import() (esbuild.config.mjs turns its dependencies' imports of Node builtins into requires and fails the
 * build on any other). SYSIGHT_NO_CODE_CACHE=1, or a Node without vm's main-context loader: a plain require.
 */
function loadWithCodeCache(file) {
  const vm = require('node:vm');
  const Module = require('node:module');
  const loader = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (!loader || process.env.SYSIGHT_NO_CODE_CACHE) return require(file);
  const st = fs.statSync(file);
  const dir = path.dirname(file);
  const base = `.${path.basename(file)}-`;
  const cacheFile = path.join(dir, `${base}${st.size}-${Math.round(st.mtimeMs)}.v8cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // first run of this build
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), {
    filename: file, importModuleDynamically: loader, ...(cachedData ? { cachedData } : {}),
  });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}`;
      try {
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
        for (const f of fs.readdirSync(dir)) if (f.startsWith(base) && f.endsWith('.v8cache') && path.join(dir, f) !== cacheFile) fs.rmSync(path.join(dir, f), { force: true });
      } catch {
        try { fs.rmSync(tmp, { force: true }); } catch { /* a read-only install: no cache */ }
      }
    });
  }
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dir);
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dir);
  mod.loaded = true;
  return mod.exports;
}

loadWithCodeCache(cli).run();
