#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('sysight: not built yet: run `npm run build` first\n');
  process.exit(2);
}

// The bundle is loaded with a plain require. A loader through vm.Script with V8's code cache (1.7-2.0 s instead of
// 2.7-3.8 s for --version at load 13) was tried and withdrawn: under it `sysight ranks --repo` localized findings
// to module level only (test/integration/ranks-cli.test.ts), so the Python parsing it needs did not work there.
require(cli).run();
