// The nsys reader streaming its big tables into the profile cache (ReadOptions.sink) gives the same model as
// reading them whole: every table spans many batches here (a few rows each), so the runtime/driver boundary,
// the callchain ids rewritten once the whole table is seen, the correlation links made batch by batch and the
// metadata taken from the stand-ins are all exercised.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileModel } from '../../core/profile.js';
import { plainModel } from '../testing.js';
import { closeArrowTable, openArrowTable } from '../cache/arrow-io.js';
import { listEntries } from '../cache/index.js';
import { buildNsysDatabase, presetScenario } from '../generator/index.js';
import { openProfile } from '../open.js';
import type { OpenOptions } from '../open.js';
import { buildNsysFixture } from './fixture.js';
import { setStreamBatchRows } from './stream.js';

let dir: string;
let old: number;
beforeAll(() => {
  old = setStreamBatchRows(7);
});
afterAll(() => {
  setStreamBatchRows(old);
});
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The first (streamed) open through a fresh cache and the uncached read of the same file. */
async function both(file: string, extra: OpenOptions = {}): Promise<{ streamed: ProfileModel; whole: ProfileModel; notes: string[]; cacheDir: string }> {
  const cacheDir = join(dir, `cache-${Math.random().toString(36).slice(2)}`);
  const notes: string[] = [];
  const streamed = await openProfile(file, { cache: { dir: cacheDir, maxBytes: 1024 ** 3 }, onNote: (l) => notes.push(l), ...extra });
  const whole = await openProfile(file, { cache: false, ...extra });
  return { streamed, whole, notes, cacheDir };
}

describe('nsys reader streaming into the profile cache', () => {
  it('gives the same model as the whole read, for every generated scenario, count-only or not', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sysight-stream-'));
    for (const name of ['bench', 'sync-bound', 'dataloader-bound', 'nccl-exposed']) {
      const file = join(dir, `${name}.sqlite`);
      writeFileSync(file, buildNsysDatabase(presetScenario(name, 4)));
      for (const extra of [{}, { countOnly: ['osrt'] as const }]) {
        const { streamed, whole, notes, cacheDir } = await both(file, extra);
        expect(notes).toEqual([]);
        expect(whole.runtime.length).toBeGreaterThan(7);
        expect(plainModel(streamed)).toEqual(plainModel(whole));
        // the tables were written batch by batch and the entry is complete (no half-written folder left)
        const entries = listEntries(cacheDir);
        expect(entries).toHaveLength(1);
        const kernels = openArrowTable(join(entries[0]!.dir, 'kernels.arrow'));
        closeArrowTable(kernels);
        expect(kernels.batches.length).toBe(Math.ceil(whole.kernels.length / 7));
        expect(readdirSync(cacheDir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
      }
    }
  });

  it('gives the same model for an older export: 0-based callchain ids, kernels without globalPid', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sysight-stream-'));
    const file = join(dir, 'fixture.sqlite');
    writeFileSync(file, await buildNsysFixture({ extraKernels: 40 }));
    const { streamed, whole } = await both(file);
    expect(whole.callchains.size).toBeGreaterThan(0);
    expect(plainModel(streamed)).toEqual(plainModel(whole));
  });

  it('gives the same model for the real exports', async () => {
    const real = resolve(__dirname, '../../../../shared/profiles');
    if (!existsSync(real)) return;
    dir = mkdtempSync(join(tmpdir(), 'sysight-stream-'));
    for (const f of readdirSync(real).filter((n) => n.endsWith('.sqlite'))) {
      const { streamed, whole } = await both(join(real, f));
      expect(plainModel(streamed), f).toEqual(plainModel(whole));
    }
  });
});
