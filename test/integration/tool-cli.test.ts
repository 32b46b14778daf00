// The `sysight tool` and `sysight profile summary` commands as a subprocess (node bin/sysight.js …).
// Error paths and help always; every query on real nsys exports once an nsys reader is registered.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READERS } from '../../src/profile/readers.js';
import { QUERIES } from '../../src/profile/queries/registry.js';

const root = resolve(__dirname, '../..');
const profiles = resolve(root, '../shared/profiles');

function sysight(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/sysight.js'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp = '';
beforeAll(() => {
  if (!existsSync(join(root, 'dist/cli.js'))) {
    const b = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
  tmp = mkdtempSync(join(tmpdir(), 'sysight-tool-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sysight tool', () => {
  it('lists every registered query in --help and in list --json', () => {
    const help = sysight('tool', '--help');
    expect(help.code).toBe(0);
    for (const q of QUERIES) expect(help.stdout).toContain(q.name);
    const list = sysight('tool', 'list', '--json');
    expect(list.code).toBe(0);
    const parsed = JSON.parse(list.stdout) as Array<{ name: string; params: unknown[] }>;
    expect(parsed.map((q) => q.name)).toEqual(QUERIES.map((q) => q.name));
    const text = sysight('tool', 'list');
    expect(text.stdout).toContain('--min-gap-us <number>');
  });

  it('shows each query\'s parameters as options', () => {
    const r = sysight('tool', 'gaps', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--min-gap-us <n>/);
    expect(r.stdout).toMatch(/--limit <n>/);
    expect(r.stdout).toMatch(/--json/);
  });

  it('rejects an unknown query with exit 2 and the list of valid ones', () => {
    const r = sysight('tool', 'top-kernel', 'x.sqlite');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown query "top-kernel"');
    for (const q of QUERIES) expect(r.stderr).toContain(q.name);
  });

  it('reports a missing, empty or foreign file in one line with exit 2', () => {
    const missing = sysight('tool', 'top-kernels', join(tmp, 'nope.sqlite'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^sysight: error: no such file: .*nope\.sqlite\n$/);
    const empty = join(tmp, 'empty.sqlite');
    writeFileSync(empty, '');
    const e = sysight('profile', 'summary', empty);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/is empty \(0 bytes\)/);
    const text = join(tmp, 'notes.txt');
    writeFileSync(text, 'hello, not a profile\n');
    const t = sysight('tool', 'sync', text, '--json');
    expect(t.code).toBe(2);
    expect(t.stderr.trim().split('\n')).toHaveLength(1);
    expect(t.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('profile summary without a profile is a usage error', () => {
    const r = sysight('profile', 'summary');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'profile'");
  });
});

const hasNsysReader = READERS.some((r) => /nsys/i.test(r.name));
const mock = join(profiles, 'GindaChen+nsys-ai__mock.sqlite');
const nvtxOnly = join(profiles, 'YoonKyonghwan+EfficientCenterFormer__baseline.sqlite');

describe.skipIf(!hasNsysReader || !existsSync(mock))('sysight tool on real nsys exports (../shared/profiles)', () => {
  it('answers every query in JSON and as a table', () => {
    for (const q of QUERIES) {
      const j = sysight('tool', q.name, mock, '--json', '--limit', '3');
      expect(j.code, `${q.name}: ${j.stderr}`).toBe(0);
      expect(() => JSON.parse(j.stdout)).not.toThrow();
      const t = sysight('tool', q.name, mock);
      expect(t.code, `${q.name}: ${t.stderr}`).toBe(0);
      expect(t.stdout.length).toBeGreaterThan(0);
    }
    const s = JSON.parse(sysight('profile', 'summary', mock, '--json').stdout);
    expect(s.counts.kernels).toBe(2);
  });

  it.skipIf(!existsSync(nvtxOnly))('summarizes a profile with no GPU activity, but GPU-only queries exit 2', () => {
    const s = sysight('profile', 'summary', nvtxOnly);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('no GPU activity');
    for (const q of ['top-kernels', 'gaps', 'utilization', 'launch', 'nccl']) {
      const r = sysight('tool', q, nvtxOnly);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/has no GPU activity \(no kernels or copies\)/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
