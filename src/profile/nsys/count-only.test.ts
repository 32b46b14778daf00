// Opening with countOnly: ['osrt'] (what `sysight profile summary` does) must not change the summary: same
// counts, span, processes, threads, capabilities and notes as loading every OS runtime row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presetScenario, writeNsysProfile } from '../generator/index.js';
import { openProfile } from '../open.js';
import { profileSummary } from '../queries/summary.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-count-only-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('countOnly osrt', () => {
  for (const preset of ['bench', 'dataloader-bound', 'healthy']) {
    it(`${preset}: the summary is the same as with every table loaded`, async () => {
      const path = join(dir, `${preset}.sqlite`);
      writeNsysProfile(presetScenario(preset, 6), path);
      const full = await openProfile(path);
      const counted = await openProfile(path, { countOnly: ['osrt'] });
      expect(counted.osrt.length).toBe(0);
      expect(counted.meta.countOnly).toEqual({ osrt: full.osrt.length });
      expect(full.meta.countOnly).toBeUndefined();
      const { countOnly: _, ...countedMeta } = counted.meta;
      expect(countedMeta).toEqual(full.meta);
      expect(profileSummary(counted)).toEqual(profileSummary(full));
    });
  }

  it('the bench preset has OS runtime calls to skip', async () => {
    const path = join(dir, 'bench.sqlite');
    const counted = await openProfile(path, { countOnly: ['osrt'] });
    expect(counted.meta.countOnly?.osrt).toBeGreaterThan(0);
    expect(counted.meta.capabilities.osrt).toBe(true);
  });
});
