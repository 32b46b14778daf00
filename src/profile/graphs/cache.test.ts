// The graph columns (launch kernel names and grid/block, graph-level replay rows, graph node ids) survive the
// profile cache, so a cached profile gives the same graphs report as a fresh read.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { profileIdentity, readManifest, readModel, writeModel } from '../cache/index.js';
import { graphsReport } from './report.js';
import { captureModel, replayModel } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-graphs-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function roundTrip(name: string, model: ReturnType<typeof replayModel>) {
  const entry = join(dir, name);
  mkdirSync(entry);
  await writeModel(entry, model, profileIdentity(__filename), 'test');
  return readModel(entry, readManifest(entry));
}

describe('graph columns in the profile cache', () => {
  it('a cached capture and replay give the same report as the fresh ones', async () => {
    const capture = captureModel([[
      { kernel: 'gemm', at: 'model.py:10 forward', grid: [8, 1, 1], block: [128, 1, 1] },
      { kernel: 'add', at: 'model.py:11 forward' },
    ]]);
    const replay = replayModel([{ at: 'runner.py:4 run', kernels: [{ kernel: 'gemm', grid: [8, 1, 1], block: [128, 1, 1] }, { kernel: 'add' }] }], (b) => {
      b.kernel('node', 40_000, 41_000, { pid: 7, correlationId: 55, graphNodeId: 3 });
      b.graphReplay(50_000, 51_000, { correlationId: 66, graphId: 1, graphExecId: 2 });
    });
    const fresh = graphsReport(replay, { capture });
    const cached = graphsReport(await roundTrip('replay', replay), { capture: await roundTrip('capture', capture) });
    expect(cached).toEqual(fresh);
    expect(cached.capture.exact).toBe(2);
    expect(cached.replays).toBe(3);
  });
});
