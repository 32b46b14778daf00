// The ranks computation in the real worker bundle (dist/ranks-compute.js), as the editor runs it: progress,
// the view, a cancel that stops it, a bad input as a one-line UserError.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, UserError } from '../core/errors.js';
import { computeRanksInWorker } from '../worker/clients.js';
import { simulateRun } from '../../test/webview/ranks-fixture.js';

const worker = join(process.cwd(), 'dist', 'ranks-compute.js');
const dir = mkdtempSync(join(tmpdir(), 'sysight-ranks-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(worker))('ranks worker', () => {
  const folder = join(dir, 'run');
  mkdirSync(folder);
  for (const s of simulateRun({ ranks: 8, steps: 6, straggler: 6, slowLoader: 1 })) {
    writeFileSync(join(folder, `rank-${s.identity.rank}.summary.json`), JSON.stringify(s));
  }

  it('computes the view in a worker thread with progress', async () => {
    const seen: string[] = [];
    const view = await computeRanksInWorker(worker, [folder], { signal: new AbortController().signal, onProgress: (_, m) => seen.push(m) });
    expect(view.ranks).toHaveLength(8);
    expect(view.steps).toHaveLength(6);
    expect(view.stragglers[0]?.rank).toBe(6);
    expect(seen[0]).toBe('summarizing rank-0.summary.json (1/8)');
    expect(seen.at(-1)).toBe('combining 8 ranks');
  });

  it('rejects with CancelledError when aborted, and with a UserError on bad input', async () => {
    const ac = new AbortController();
    const p = computeRanksInWorker(worker, [folder], { signal: ac.signal, onProgress: () => undefined });
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    const missing = computeRanksInWorker(worker, [join(dir, 'nope')], { signal: new AbortController().signal, onProgress: () => undefined });
    await expect(missing).rejects.toBeInstanceOf(UserError);
    await expect(missing).rejects.toThrow(/no such file or folder: .*nope/);
  });
});
