// The profile cache through the real CLI (node bin/sysight.js) with SYSIGHT_CACHE pointing at a temporary
// folder: a second open is a hit with the same answer, `cache ls|clear`, a damaged entry rebuilt with one
// note, `diff` answered from the cache, SYSIGHT_CACHE=off.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNsysDatabase, presetScenario } from '../../src/profile/generator/index.js';
import { ensureBuilt, sysightSync } from '../support/cli.js';

let tmp = '';
let cacheDir = '';
let profile = '';

const sysight = (env: Record<string, string>, ...args: string[]) => sysightSync(args, { env: { SYSIGHT_CACHE: cacheDir, ...env } });

interface Summary { timings: { cache: string; openMs: number; result?: string }; [k: string]: unknown }
function summary(env: Record<string, string> = {}): { s: Summary; stderr: string } {
  const r = sysight(env, 'profile', 'summary', profile, '--json');
  expect(r.code, r.stderr).toBe(0);
  return { s: JSON.parse(r.stdout) as Summary, stderr: r.stderr };
}
const withoutTimings = (s: Summary) => ({ ...s, timings: undefined });

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'sysight-cache-cli-'));
  cacheDir = join(tmp, 'cache');
  profile = join(tmp, 'run.sqlite');
  writeFileSync(profile, buildNsysDatabase(presetScenario('sync-bound', 6)));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sysight with the profile cache', () => {
  it('answers the second summary from the cache with the same result; ls lists it; clear removes it', () => {
    const first = summary();
    expect(first.s.timings.cache).toBe('miss');
    const second = summary();
    expect(second.s.timings.cache).toBe('hit');
    expect(second.stderr).toBe('');
    expect(withoutTimings(second.s)).toEqual(withoutTimings(first.s));
    const ls = sysight({}, 'cache', 'ls', '--json');
    expect(ls.code).toBe(0);
    const listed = JSON.parse(ls.stdout) as { dir: string; entries: { profile: string; format: string }[] };
    expect(listed.dir).toBe(cacheDir);
    expect(listed.entries).toHaveLength(1);
    expect(listed.entries[0]!.profile).toBe(profile);
    expect(listed.entries[0]!.format).toBe('nsys-sqlite');
    expect(sysight({}, 'cache', 'ls').stdout).toContain(profile);
    const clear = sysight({}, 'cache', 'clear');
    expect(clear.code).toBe(0);
    expect(clear.stdout).toMatch(/^removed 1 cached profile/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('keeps the summary itself in the entry: later summaries read it, not the model, and print the same text', () => {
    sysight({}, 'cache', 'clear');
    const first = summary();
    expect(first.s.timings.cache).toBe('miss');
    expect(first.s.timings.result).toBeUndefined();
    const second = summary();
    expect(second.s.timings).toMatchObject({ cache: 'hit', result: 'cached', summaryMs: 0 });
    expect(second.stderr).toBe('');
    expect(withoutTimings(second.s)).toEqual(withoutTimings(first.s));
    // the text report from the kept result is the one computed from the file
    const text = sysight({}, 'profile', 'summary', profile);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(sysight({ SYSIGHT_CACHE: 'off' }, 'profile', 'summary', profile).stdout);
    // another --limit is another answer, computed from the cached model, then kept too
    const five = sysight({}, 'profile', 'summary', profile, '--limit', '2', '--json');
    expect(JSON.parse(five.stdout)).toMatchObject({ timings: { cache: 'hit' } });
    expect((JSON.parse(five.stdout) as { timings: { result?: string } }).timings.result).toBeUndefined();
    expect(JSON.parse(sysight({}, 'profile', 'summary', profile, '--limit', '2', '--json').stdout)).toMatchObject({ timings: { result: 'cached' } });
  });

  it('drops a kept summary that does not check out, with one note, and computes it again', () => {
    const first = summary();
    expect(first.s.timings.result).toBe('cached');
    const entry = readdirSync(cacheDir).find((n) => /^[0-9a-f]{32}$/.test(n))!;
    for (const f of readdirSync(join(cacheDir, entry)).filter((n) => n.startsWith('result-summary-'))) {
      const p = join(cacheDir, entry, f);
      writeFileSync(p, readFileSync(p, 'utf8').replace(/"durationMs\\":[0-9.]+/, '"durationMs\\":1'));
    }
    const after = summary();
    expect(after.stderr.trim().split('\n')).toHaveLength(1);
    expect(after.stderr).toMatch(/^sysight: the cached summary of .*run\.sqlite is damaged \(checksum does not match\)/);
    expect(after.s.timings.result).toBeUndefined();
    expect(withoutTimings(after.s)).toEqual(withoutTimings(first.s));
    expect(summary().s.timings.result).toBe('cached');
  });

  it('never answers a changed file from the summary kept for its old contents', () => {
    const before = summary();
    expect(before.s.timings.result).toBe('cached');
    const other = join(tmp, 'changing.sqlite');
    writeFileSync(other, buildNsysDatabase(presetScenario('sync-bound', 6)));
    const own = { SYSIGHT_CACHE: join(tmp, 'cache-changing') }; // the other tests expect one entry in cacheDir
    const run = (env: Record<string, string> = own) => JSON.parse(sysight(env, 'profile', 'summary', other, '--json').stdout) as Summary;
    run();
    expect(run().timings.result).toBe('cached');
    writeFileSync(other, buildNsysDatabase(presetScenario('launch-bound', 4)));
    const changed = run();
    expect(changed.timings.cache).toBe('stale');
    expect(changed.timings.result).toBeUndefined();
    expect(withoutTimings(changed)).toEqual(withoutTimings(run({ SYSIGHT_CACHE: 'off' })));
  });

  it('rebuilds a damaged entry with one note on stderr and the same answer', () => {
    const first = summary();
    const entry = readdirSync(cacheDir).find((n) => /^[0-9a-f]{32}$/.test(n))!;
    truncateSync(join(cacheDir, entry, 'kernels.arrow'), 100);
    const after = summary();
    expect(after.s.timings.cache).toBe('damaged');
    expect(after.stderr.trim().split('\n')).toHaveLength(1);
    expect(after.stderr).toMatch(/^sysight: the cached copy of .*run\.sqlite is damaged/);
    expect(withoutTimings(after.s)).toEqual(withoutTimings(first.s));
    expect(summary().s.timings.cache).toBe('hit');
  });

  it('diff opens both sides through the cache (a damaged entry is noted and rebuilt once)', () => {
    // the summary caches the profile count-only (OS runtime rows counted, not loaded): the diff's full open
    // replaces that entry with a full one
    summary();
    expect(sysight({}, 'diff', profile, profile, '--json').code).toBe(0);
    const entry = readdirSync(cacheDir).find((n) => /^[0-9a-f]{32}$/.test(n))!;
    truncateSync(join(cacheDir, entry, 'runtime.arrow'), 64);
    const r = sysight({}, 'diff', profile, profile, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^sysight: the cached copy of .*run\.sqlite is damaged/);
    const again = sysight({}, 'diff', profile, profile, '--json');
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe(r.stdout);
  });

  it('SYSIGHT_CACHE=off reads the file every time and cache ls says the cache is off', () => {
    sysight({}, 'cache', 'clear');
    expect(summary({ SYSIGHT_CACHE: 'off' }).s.timings.cache).toBe('off');
    expect(readdirSync(cacheDir)).toEqual([]);
    const ls = sysight({ SYSIGHT_CACHE: 'off' }, 'cache', 'ls');
    expect(ls.stdout).toMatch(/off/);
  });

  it('rejects an unknown cache command with exit 2 and one line', () => {
    const r = sysight({}, 'cache', 'purge');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('sysight export', () => {
  it('writes the model as Arrow IPC files any Arrow reader opens, with strings to resolve names', () => {
    const out = join(tmp, 'tables');
    const r = sysight({}, 'export', profile, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const { tables } = JSON.parse(r.stdout) as { tables: Record<string, { file: string; rows: number }> };
    expect(Object.keys(tables)).toEqual(expect.arrayContaining(['kernels', 'runtime', 'memcpy', 'sync', 'nvtx', 'osrt', 'strings', 'callchains']));
    const kernels = tableFromIPC(readFileSync(join(out, 'kernels.arrow')));
    const strings = tableFromIPC(readFileSync(join(out, 'strings.arrow'))).getChild('string')!;
    expect(kernels.numRows).toBe(tables.kernels!.rows);
    expect(kernels.numRows).toBeGreaterThan(0);
    const name = strings.get(kernels.getChild('nameId')!.get(0) as number) as string;
    expect(name.length).toBeGreaterThan(0);
    const summaryNames = (summary().s as unknown as { topKernels: { name: string }[] }).topKernels.map((k) => k.name);
    const exported = new Set(Array.from({ length: kernels.numRows }, (_, i) => strings.get(kernels.getChild('nameId')!.get(i) as number) as string));
    for (const n of summaryNames) expect(exported).toContain(n);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as { meta: { format: string } };
    expect(meta.meta.format).toBe('nsys-sqlite');
  });

  it('refuses a non-empty --out without --force, in one line with exit 2', () => {
    const out = join(tmp, 'busy');
    mkdirSync(out);
    writeFileSync(join(out, 'mine.txt'), 'keep');
    const r = sysight({}, 'export', profile, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/is not empty/);
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('keep');
  });
});
