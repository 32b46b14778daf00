#!/usr/bin/env node
// The demo: copies examples/nanogpt into a fresh git repository under .cache/demo/ (so the loop's
// sandboxes and run files never touch this checkout), then runs the closed loop on it and prints where
// the report is. Options after `--` go to `sysight agent-loop` (e.g. `npm run demo -- --rounds 3`).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'examples', 'nanogpt');
const work = join(root, '.cache', 'demo', 'nanogpt');
const extra = process.argv.slice(2);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

rmSync(work, { recursive: true, force: true });
mkdirSync(dirname(work), { recursive: true });
cpSync(src, work, { recursive: true, filter: (p) => !/(__pycache__|\.sysight|\/data\/.*\.bin$)/.test(p) });
const git = (...a) => spawnSync('git', a, { cwd: work, encoding: 'utf8' });
git('init', '-q');
git('add', '-A');
const c = git('-c', 'user.name=Sysight demo', '-c', 'user.email=demo@localhost', 'commit', '-q', '-m', 'nanoGPT demo workload');
if (c.status !== 0) {
  process.stderr.write(`demo: could not create the demo repository: ${c.stderr}`);
  process.exit(2);
}
process.stderr.write(`demo: workload copied to ${work} (a git repository of its own)\n`);
const python = process.env.SYSIGHT_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const code = run(process.execPath, [join(root, 'bin', 'sysight.js'), 'agent-loop', '--repo', work, '--python', python, '--rounds', '2', ...extra], { cwd: root });
process.exit(code);
