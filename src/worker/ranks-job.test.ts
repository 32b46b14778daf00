// The ranks job the editor runs in its worker: summaries (or profiles) → reduce → the view, with progress,
// cancellation and per-rank problems; on the real two-rank nsys export when /work/shared is present.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError } from '../core/errors.js';
import { summarizeProfile } from '../profile/ranks/index.js';
import { openProfile } from '../profile/open.js';
import { rankScenario, writeNsysProfile } from '../profile/generator/index.js';
import { ranksViewOfModel, runRanksJob } from './ranks-job.js';
import { simulateRun } from '../../test/webview/ranks-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-ranks-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const H100 = '/work/shared/profiles/GindaChen+nsys-ai__h100_2gpu_1s.sqlite';

function writeRun(name: string, opts: Parameters<typeof simulateRun>[0]): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  for (const s of simulateRun(opts)) writeFileSync(join(folder, `rank-${s.identity.rank}.summary.json`), JSON.stringify(s));
  return folder;
}

describe('ranks job', () => {
  it('reduces a folder of summaries into the view: straggler first, one cell per rank and step, a bad rank as a problem', async () => {
    const folder = writeRun('ddp', { ranks: 8, steps: 10, straggler: 2, slowLoader: 5 });
    writeFileSync(join(folder, 'rank-8.summary.json'), '{"version": 1, "identity": {"rank": 8}, "trunc');
    const seen: number[] = [];
    const { report, view } = await runRanksJob([folder], { signal: new AbortController().signal, onProgress: (f) => seen.push(f) });
    expect(view.title).toBe('Ranks: ddp');
    expect(view.ranks.map((r) => r.rank)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(view.steps).toHaveLength(10);
    expect(view.ranks.every((r) => r.cells.every((c) => c !== null))).toBe(true);
    expect(view.stragglers[0]!.rank).toBe(2);
    expect(view.collectives.map((c) => [c.op, c.lastRank, c.count])).toEqual([['AllReduce', 2, report.collectiveWaits.length]]);
    expect(view.problems.find((p) => p.source.endsWith('rank-8.summary.json'))?.kind).toBe('unreadable');
    expect(seen.length).toBeGreaterThan(2);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.at(-1)).toBeGreaterThanOrEqual(0.95);
  });

  it('stops when cancelled and says plainly when nothing can be read', async () => {
    const folder = writeRun('two', { ranks: 2, steps: 3 });
    const ac = new AbortController();
    ac.abort();
    await expect(runRanksJob([folder], { signal: ac.signal, onProgress: () => undefined })).rejects.toBeInstanceOf(CancelledError);
    await expect(runRanksJob([], { signal: new AbortController().signal, onProgress: () => undefined })).rejects.toThrow(/no profiles given/);
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'rank-0.summary.json'), 'nope');
    await expect(runRanksJob([bad], { signal: new AbortController().signal, onProgress: () => undefined })).rejects.toThrow(/no rank could be read/);
  });

  it('gives a dashboard the ranks of the export it holds open, the same as the ranks worker reading the file', async () => {
    const file = join(dir, 'node0.sqlite');
    writeNsysProfile(rankScenario({ ranks: 4, iterations: 8, straggler: 1, seed: 3 }), file);
    const fromModel = ranksViewOfModel(await openProfile(file), file);
    expect(fromModel.title).toBe('Ranks: node0.sqlite');
    expect(fromModel.ranks.map((r) => r.rank)).toEqual([0, 1, 2, 3]);
    expect(fromModel.ranks.every((r) => r.source === file && r.cells.some((c) => c !== null))).toBe(true);
    expect(fromModel.stragglers[0]?.rank).toBe(1);
    const { view } = await runRanksJob([file], { signal: new AbortController().signal, onProgress: () => undefined });
    expect(fromModel).toEqual(view);
  }, 60_000);

  it.skipIf(!existsSync(H100))('shows both ranks of the real two-GPU nsys export with their own step windows', async () => {
    const { view } = await runRanksJob([H100], { signal: new AbortController().signal, onProgress: () => undefined });
    const summaries = await summarizeProfile(H100);
    expect(view.ranks).toHaveLength(summaries.length);
    expect(view.ranks.length).toBe(2);
    for (const row of view.ranks) {
      const s = summaries.find((x) => x.identity.pid === row.pid)!;
      expect(row.cells.filter((c) => c !== null)).toHaveLength(s.steps.length);
      expect(row.cells[0]).toMatchObject({ startNs: s.steps[0]!.startNs, endNs: s.steps[0]!.endNs });
    }
  }, 60_000);
});
