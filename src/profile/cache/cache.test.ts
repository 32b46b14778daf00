import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import type { ProfileModel } from '../../core/profile.js';
import { plainModel } from '../testing.js';
import { buildNsysDatabase, presetScenario } from '../generator/index.js';
import { openProfile } from '../open.js';
import type { OpenOptions } from '../open.js';
import { clearCache, listEntries, resolveCacheSettings } from './index.js';
import type { CacheOutcome, CacheSettings } from './index.js';

let dir: string;
let settings: CacheSettings;
let profile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-cache-test-'));
  settings = { dir: join(dir, 'cache'), maxBytes: 1024 ** 3 };
  profile = join(dir, 'p.sqlite');
  writeFileSync(profile, buildNsysDatabase(presetScenario('sync-bound', 6)));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function open(path = profile, extra: OpenOptions = {}): Promise<{ model: ProfileModel; outcome: CacheOutcome; notes: string[] }> {
  let outcome: CacheOutcome | undefined;
  const notes: string[] = [];
  const model = await openProfile(path, { cache: settings, onNote: (l) => notes.push(l), onCacheOutcome: (o) => { outcome = o; }, ...extra });
  return { model, outcome: outcome!, notes };
}

describe('profile cache', () => {
  it('misses, then hits with the same model, every column and the callchains included', async () => {
    const first = await open();
    expect(first.outcome).toBe('miss');
    const uncached = await openProfile(profile, { cache: false });
    const second = await open();
    expect(second.outcome).toBe('hit');
    expect(second.model.kernels.length).toBeGreaterThan(0);
    expect(uncached.callchains.size).toBeGreaterThan(0);
    expect(second.model.callchains.size).toBe(uncached.callchains.size);
    expect(plainModel(second.model)).toEqual(plainModel(uncached));
    expect(second.model.meta.source).toBe(profile);
    expect(second.notes).toEqual([]);
  });

  it('caches the model of any reader: a legacy autograd trace and a real Kineto trace come back the same', async () => {
    const traces = [resolve(__dirname, '../../../test/fixtures/legacy_cpu_train.json'),
      resolve(__dirname, '../../../../shared/traces/kineto-tb-samples/worker0.1623143089861.pt.trace.json.gz')];
    for (const trace of traces.filter((t) => existsSync(t))) {
      expect((await open(trace)).outcome).toBe('miss');
      const hit = await open(trace);
      expect(hit.outcome).toBe('hit');
      expect(plainModel(hit.model)).toEqual(plainModel(await openProfile(trace, { cache: false })));
    }
  });

  it('writes plain Arrow IPC files another tool can read', async () => {
    const { model } = await open();
    const [entry] = listEntries(settings.dir);
    const t = tableFromIPC(readFileSync(join(entry!.dir, 'kernels.arrow')));
    expect(t.numRows).toBe(model.kernels.length);
    expect(t.getChild('start')!.get(0)).toBe(model.kernels.start[0]);
    expect(t.schema.fields.map((f) => f.name)).toContain('correlationId');
  });

  it('caches a column a reader adds without any change to the cache', async () => {
    const { model } = await open();
    const extra = { ...model, kernels: { ...model.kernels, graphId: Int32Array.from({ length: model.kernels.length }, (_, i) => i % 3) } } as ProfileModel;
    const { writeModel, readModel, readManifest, profileIdentity } = await import('./index.js');
    const entry = join(dir, 'entry');
    (await import('node:fs')).mkdirSync(entry);
    await writeModel(entry, extra, profileIdentity(profile), 'test');
    const back = readModel(entry, readManifest(entry)) as ProfileModel & { kernels: { graphId: Int32Array } };
    expect(Array.from(back.kernels.graphId.slice(0, 4))).toEqual([0, 1, 2, 0]);
  });

  it('never answers a changed file from its old entry: drops it with a note and rebuilds', async () => {
    await open();
    writeFileSync(profile, buildNsysDatabase(presetScenario('healthy', 4)));
    const { model, outcome, notes } = await open();
    expect(outcome).toBe('stale');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/changed since it was cached/);
    expect(model.kernels.length).toBe((await openProfile(profile, { cache: false })).kernels.length);
    expect(listEntries(settings.dir)).toHaveLength(1);
    expect((await open()).outcome).toBe('hit');
  });

  it('keeps the most recent entry another engine built from the same file, drops older generations, and drops them all once the file changes', async () => {
    const { entryKey, profileIdentity, writeModel } = await import('./index.js');
    const model = await openProfile(profile, { cache: false });
    const other = async (stamp: string, ageS: number): Promise<string> => {
      const entry = join(settings.dir, entryKey(profileIdentity(profile), stamp));
      (await import('node:fs')).mkdirSync(entry, { recursive: true });
      await writeModel(entry, model, profileIdentity(profile), stamp);
      const then = new Date(Date.now() - ageS * 1000);
      utimesSync(join(entry, 'manifest.json'), then, then);
      return entry;
    };
    const older = await other('engine-v1', 600);
    const previous = await other('engine-v2', 60);
    const first = await open();
    expect(first.outcome).toBe('miss');
    expect(first.notes).toEqual([]);
    expect(existsSync(previous)).toBe(true);
    expect(existsSync(older)).toBe(false);
    expect(listEntries(settings.dir)).toHaveLength(2);
    expect((await open()).outcome).toBe('hit');
    writeFileSync(profile, buildNsysDatabase(presetScenario('healthy', 4)));
    expect((await open()).outcome).toBe('stale');
    expect(existsSync(previous)).toBe(false);
    expect(listEntries(settings.dir)).toHaveLength(1);
  });

  it('a file touched with the same bytes and size but a new mtime is a new entry too', async () => {
    await open();
    const later = new Date(statSync(profile).mtimeMs + 5000);
    utimesSync(profile, later, later);
    expect((await open()).outcome).toBe('stale');
  });

  for (const [what, damage] of [
    ['truncated', (d: string) => truncateSync(join(d, 'kernels.arrow'), 200)],
    ['overwritten with garbage', (d: string) => writeFileSync(join(d, 'runtime.arrow'), Buffer.alloc(statSync(join(d, 'runtime.arrow')).size, 7))],
    ['grown', (d: string) => appendFileSync(join(d, 'nvtx.arrow'), 'x')],
    ['missing a table file', (d: string) => rmSync(join(d, 'memcpy.arrow'))],
    ['with a broken manifest', (d: string) => writeFileSync(join(d, 'manifest.json'), '{"cacheFormat": 1, "files"')],
    ['with damaged strings', (d: string) => writeFileSync(join(d, 'strings.arrow'), 'ARROW1 not really')],
  ] as const) {
    it(`detects an entry ${what}, drops it with one note and rebuilds`, async () => {
      await open();
      damage(listEntries(settings.dir)[0]!.dir);
      const { model, outcome, notes } = await open();
      expect(outcome).toBe('damaged');
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(/^the cached copy of .* is damaged \(.+\); rebuilding it$/);
      expect(plainModel(model)).toEqual(plainModel(await openProfile(profile, { cache: false })));
      expect((await open()).outcome).toBe('hit');
    });
  }

  it('off: SYSIGHT_CACHE=off or cache:false reads the file and writes nothing', async () => {
    expect(resolveCacheSettings({}, { SYSIGHT_CACHE: 'off' })).toBeUndefined();
    expect(resolveCacheSettings({ dir: 'OFF' }, {})).toBeUndefined();
    expect(resolveCacheSettings({}, { SYSIGHT_CACHE: '/x', SYSIGHT_CACHE_MAX_GB: '2' })).toEqual({ dir: '/x', maxBytes: 2 * 1024 ** 3 });
    let outcome: CacheOutcome | undefined;
    await openProfile(profile, { cache: false, onCacheOutcome: (o) => { outcome = o; } });
    expect(outcome).toBe('off');
    expect(listEntries(settings.dir)).toEqual([]);
  });

  it('count-only opens are answered from a full entry; a count-only entry is rebuilt for a full open', async () => {
    const counted = await open(profile, { countOnly: ['osrt'] });
    expect(counted.outcome).toBe('miss');
    expect(counted.model.osrt.length).toBe(0);
    const full = await open();
    expect(full.outcome).toBe('miss');
    expect(full.model.osrt.length).toBe(counted.model.meta.countOnly?.osrt);
    const again = await open(profile, { countOnly: ['osrt'] });
    expect(again.outcome).toBe('hit');
    expect(again.model.osrt.length).toBe(0);
    expect(again.model.meta.countOnly?.osrt).toBe(full.model.osrt.length);
  });

  it('evicts the least recently used entries past the size limit, and clears', async () => {
    const other = join(dir, 'q.sqlite');
    writeFileSync(other, buildNsysDatabase(presetScenario('healthy', 4)));
    await open();
    const one = listEntries(settings.dir)[0]!.bytes;
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(listEntries(settings.dir)[0]!.dir, 'manifest.json'), old, old);
    settings = { ...settings, maxBytes: one + 10 };
    await open(other);
    const left = listEntries(settings.dir);
    expect(left).toHaveLength(1);
    expect(left[0]!.manifest?.profile.path).toContain('q.sqlite');
    expect(clearCache(settings.dir).entries).toBe(1);
    expect(readdirSync(settings.dir)).toEqual([]);
  });
});
