// The diff verdict on generated nsys exports with a known change: the sync-bound preset against the same
// scenario with its synchronizations removed, and two runs of one scenario with different seeds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileModel } from '../../core/profile.js';
import { presetScenario, writeNsysProfile, type Scenario, type StepEvent } from '../generator/index.js';
import { openProfile } from '../open.js';
import { diffProfiles } from './diff.js';

let tmp = '';
const models: Record<string, ProfileModel> = {};

/** The sync-bound preset with its loss.item() sync, the D2H copy and the device sync removed. */
export function withoutSync(sc: Scenario): Scenario {
  const keep = (e: StepEvent) => e.type !== 'sync' && !(e.type === 'memcpy' && e.kind === 'D2H' && e.bytes === 4);
  return { ...sc, name: `${sc.name}-nosync`, step: sc.step.filter(keep) };
}

async function gen(name: string, sc: Scenario): Promise<ProfileModel> {
  const f = join(tmp, `${name}.sqlite`);
  writeNsysProfile(sc, f);
  return openProfile(f);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'sysight-diff-'));
  const sync = presetScenario('sync-bound', 20);
  models.sync = await gen('sync', { ...sync, seed: 1, jitter: 0.05 });
  models.sync2 = await gen('sync2', { ...sync, seed: 2, jitter: 0.05 });
  models.nosync = await gen('nosync', { ...withoutSync(sync), seed: 3, jitter: 0.05 });
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('diffProfiles on generated profiles', () => {
  it('calls removing the syncs a likely improvement, driven by C3', () => {
    const d = diffProfiles(models.sync!, models.nosync!);
    expect(d.verdict).toBe('likely improvement');
    expect(d.changedCategories[0]).toBe('C3');
    expect(d.stepTime!.delta).toBeLessThan(0);
    expect(d.syncs[0]!.significant).toBe(true);
  });

  it('calls adding them back a likely regression', () => {
    const d = diffProfiles(models.nosync!, models.sync!);
    expect(d.verdict).toBe('likely regression');
    expect(d.changedCategories).toContain('C3');
    expect(d.categories.find((c) => c.metric === 'C3')!.delta).toBeGreaterThan(0);
  });

  it('calls two runs of the same workload with different seeds neutral', () => {
    const d = diffProfiles(models.sync!, models.sync2!);
    expect(d.verdict).toBe('neutral');
    expect(d.kernels.appeared).toEqual([]);
    expect(d.kernels.vanished).toEqual([]);
  });
});
