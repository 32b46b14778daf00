// The diagnosis kept in the profile's cache entry: a later open reads the same findings a fresh computation gives;
// a changed file, other options or other analysis code (its stamp) compute it again; a damaged one is dropped with
// one note and computed again; with the cache off nothing is kept.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileModel } from '../../core/profile.js';
import type { CacheSettings } from '../../profile/cache/index.js';
import { presetScenario, writeNsysProfile } from '../../profile/generator/index.js';
import { openProfile } from '../../profile/open.js';
import { keptAnswerFiles } from '../../profile/testing.js';
import { diagnoseProfile } from './index.js';
import { diagnoseKept, keptDiagnosis } from './kept.js';

let dir: string;
let cache: CacheSettings;
const quiet = { onNote: () => undefined };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-kept-diagnosis-'));
  cache = { dir: join(dir, 'cache'), maxBytes: 1024 ** 3 };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A generated profile opened through the cache (which writes the entry the diagnosis is kept in). */
async function profile(preset: string, name = `${preset}.sqlite`): Promise<{ path: string; model: ProfileModel }> {
  const path = join(dir, name);
  writeNsysProfile({ ...presetScenario(preset, 8), seed: 3 }, path);
  return { path, model: await openProfile(path, { cache, ...quiet }) };
}
const keptFiles = () => keptAnswerFiles(cache.dir, 'diagnosis');

describe('the kept diagnosis', () => {
  it('hit: a later open reads the findings a fresh computation gives, without computing them', async () => {
    for (const preset of ['sync-bound', 'launch-bound', 'dataloader-bound', 'memcpy-bound', 'nccl-exposed', 'healthy']) {
      const { path, model } = await profile(preset);
      const fresh = diagnoseProfile(model, { profilePath: path });
      expect(keptDiagnosis(path, {}, { cache })).toBeUndefined();
      expect(diagnoseKept(model, path, {}, { cache })).toEqual(fresh);
      const reopened = await openProfile(path, { cache, ...quiet });
      expect(keptDiagnosis(path, {}, { cache }), preset).toEqual(fresh);
      expect(diagnoseKept(reopened, path, {}, { cache })).toEqual(fresh);
    }
    // read, not computed: another profile's model given for the same path still gets the kept answer
    const other = await profile('healthy', 'other.sqlite');
    const syncPath = join(dir, 'sync-bound.sqlite');
    expect(diagnoseKept(other.model, syncPath, {}, { cache }).findings.map((f) => f.pattern)).toContain('profile.sync-stall');
  });

  it('stale: a changed file, other options or other analysis code compute it again', async () => {
    const { path, model } = await profile('sync-bound');
    const healthy = await profile('healthy');
    diagnoseKept(model, path, {}, { cache });
    expect(keptFiles()).toHaveLength(1);

    // other options: their own key; the result is the one for those options
    expect(keptDiagnosis(path, { minShare: 0.2 }, { cache })).toBeUndefined();
    expect(diagnoseKept(model, path, { minShare: 0.2 }, { cache })).toEqual(diagnoseProfile(model, { profilePath: path, minShare: 0.2 }));
    expect(keptDiagnosis(path, { minShare: 0.2 }, { cache })).toEqual(diagnoseProfile(model, { profilePath: path, minShare: 0.2 }));

    // other analysis code: not read, computed from the model given and kept in its place
    expect(keptDiagnosis(path, {}, { cache, stamp: 'other' })).toBeUndefined();
    expect(diagnoseKept(healthy.model, path, {}, { cache, stamp: 'other' })).toEqual(diagnoseProfile(healthy.model, { profilePath: path }));
    expect(keptDiagnosis(path, {}, { cache })).toBeUndefined();
    expect(keptFiles()).toHaveLength(2); // one per minShare

    // a changed file: its old entry's diagnosis is never seen
    diagnoseKept(model, path, {}, { cache });
    appendFileSync(path, Buffer.alloc(8192));
    expect(keptDiagnosis(path, {}, { cache })).toBeUndefined();
  });

  it('damaged: dropped with one note and computed again', async () => {
    const { path, model } = await profile('sync-bound');
    const fresh = diagnoseKept(model, path, {}, { cache });
    const [file] = keptFiles();
    for (const bytes of ['garbage', '{"sha256":"0","payload":"{}"}']) {
      writeFileSync(file!, bytes);
      const notes: string[] = [];
      expect(diagnoseKept(model, path, {}, { cache, onNote: (l) => notes.push(l) })).toEqual(fresh);
      expect(notes).toEqual([expect.stringMatching(/^the cached diagnosis of .*sync-bound\.sqlite is damaged \(.+\); computing it again$/)]);
      expect(keptDiagnosis(path, {}, { cache })).toEqual(fresh); // kept again
    }
  });

  it('off: nothing is kept or read with the cache off (SYSIGHT_CACHE=off or cache: false)', async () => {
    const { path, model } = await profile('sync-bound');
    const fresh = diagnoseProfile(model, { profilePath: path });
    expect(diagnoseKept(model, path, {}, { cache: false })).toEqual(fresh);
    expect(keptFiles()).toEqual([]);
    const saved = process.env.SYSIGHT_CACHE;
    process.env.SYSIGHT_CACHE = 'off';
    try {
      expect(diagnoseKept(model, path)).toEqual(fresh);
      expect(keptDiagnosis(path)).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.SYSIGHT_CACHE;
      else process.env.SYSIGHT_CACHE = saved;
    }
    expect(keptFiles()).toEqual([]);
  });
});
