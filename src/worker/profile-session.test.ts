// The session worker (the built dist/profile-session.js, through the extension's client) keeps what the dashboard
// needs in the profile's cache entry: the opening overview, the trace view's tile index and the diagnosis. A later
// open of the same file answers from them with the same overview, tiles and findings; damaged ones are dropped with
// one note each and computed again; a changed file never sees them.
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presetScenario, writeNsysProfile } from '../profile/generator/index.js';
import type { TimelineTiles } from '../profile/queries/timeline.js';
import { DIAGNOSIS_QUERY } from '../protocol/dashboard.js';
import type { ProfileDiagnosis } from '../core/findings.js';
import { openSession } from './clients.js';

const worker = join(process.cwd(), 'dist', 'profile-session.js');
const dir = mkdtempSync(join(tmpdir(), 'sysight-session-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(worker))('profile session kept answers', () => {
  const file = join(dir, 'p.sqlite');
  const cache = join(dir, 'cache');
  writeNsysProfile(presetScenario('healthy', 4), file);

  async function session(): Promise<{ overview: unknown; gpuProcesses: number; tiles: TimelineTiles; diagnosis: ProfileDiagnosis; notes: string[] }> {
    const notes: string[] = [];
    const s = await openSession(worker, file, { signal: new AbortController().signal, onProgress: (_f, m) => notes.push(m), env: { SYSIGHT_CACHE: cache } });
    try {
      const { startNs, endNs } = s.overview;
      const tiles = await s.query<TimelineTiles>('timeline-tiles', { startNs, endNs, pixels: 700, limit: 256 });
      const diagnosis = await s.query<ProfileDiagnosis>(DIAGNOSIS_QUERY, {});
      return { overview: s.overview, gpuProcesses: s.gpuProcesses, tiles, diagnosis, notes: notes.filter((n) => /damaged|changed/.test(n)) };
    } finally {
      s.dispose();
    }
  }
  const entry = () => join(cache, readdirSync(cache).find((d) => !d.startsWith('.'))!);
  const kept = () => readdirSync(entry()).filter((f) => f.startsWith('result-')).sort();

  it('keeps the opening, the tile index and the diagnosis, answers a later open from them, and recomputes damaged ones with a note', async () => {
    const first = await session();
    expect(kept()).toEqual([expect.stringMatching(/^result-diagnosis-\w+\.json$/), expect.stringMatching(/^result-session-open-\w+\.bin$/),
      expect.stringMatching(/^result-tile-index-\w+\.bin$/)]);
    const second = await session();
    expect(second).toEqual(first);
    expect(second.tiles.lanes.length).toBeGreaterThan(0);
    expect(second.diagnosis.profile).toBe(file);

    for (const f of kept()) writeFileSync(join(entry(), f), 'garbage');
    const third = await session();
    expect(third.notes).toHaveLength(3);
    expect(third.notes.join('\n')).toMatch(/cached session-open of .* is damaged[^]*cached tile-index of .* is damaged[^]*cached diagnosis of .* is damaged/);
    expect({ ...third, notes: [] }).toEqual(first);
    expect(kept()).toHaveLength(3); // computed again and kept again
  });

  it('a changed file is never answered from the old entry', async () => {
    const before = await session();
    appendFileSync(file, Buffer.alloc(8192));
    const after = await session();
    expect(after.notes).toEqual([expect.stringMatching(/changed since it was cached/)]);
    // the appended bytes are not profile data: same answers, computed again
    expect(after.overview).toEqual(before.overview);
    expect(after.diagnosis).toEqual(before.diagnosis);
    expect(kept()).toHaveLength(3);
  });
});
