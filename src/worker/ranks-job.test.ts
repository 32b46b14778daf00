// What the ranks job reads: a folder's profiles and summaries in rank-file order, a summary told from a trace.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandInputs, readSummary } from './ranks-job.js';
import { simulateRun } from '../../test/webview/ranksFixture.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-ranks-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ranks job inputs', () => {
  const [s0, s1] = simulateRun({ ranks: 2, steps: 3 });
  const folder = join(dir, 'run');
  mkdirSync(folder);
  writeFileSync(join(folder, 'rank10.sqlite'), 'not really sqlite');
  writeFileSync(join(folder, 'rank2.sqlite'), 'not really sqlite');
  writeFileSync(join(folder, 'rank0.summary.json'), JSON.stringify(s0));
  writeFileSync(join(folder, 'rank1.summary.json'), JSON.stringify(s1));
  writeFileSync(join(folder, 'trace.pt.trace.json'), JSON.stringify({ traceEvents: [], distributedInfo: { rank: 3 } }));
  writeFileSync(join(folder, 'notes.txt'), 'ignored');
  mkdirSync(join(folder, 'sub.sqlite'));

  it('lists a folder by name in numeric order, summaries parsed, other profiles kept as paths', () => {
    const got = expandInputs([folder]).map((i) => [i.kind, i.path.slice(folder.length + 1)]);
    expect(got).toEqual([
      ['summary', 'rank0.summary.json'], ['summary', 'rank1.summary.json'], ['profile', 'rank2.sqlite'], ['profile', 'rank10.sqlite'],
      ['profile', 'trace.pt.trace.json'],
    ]);
    const first = expandInputs([join(folder, 'rank1.summary.json')])[0]!;
    expect(first.kind === 'summary' && first.summary.identity.rank).toBe(1);
  });

  it('tells a summary from a trace or broken JSON', () => {
    expect(readSummary(join(folder, 'rank0.summary.json'))?.steps).toHaveLength(3);
    expect(readSummary(join(folder, 'trace.pt.trace.json'))).toBeNull();
    writeFileSync(join(dir, 'half.json'), '{"identity": {"rank": 1}, "ver');
    expect(readSummary(join(dir, 'half.json'))).toBeNull();
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ ...s0, version: 99 }));
    expect(readSummary(join(dir, 'old.json'))).toBeNull();
    expect(readSummary(join(folder, 'rank2.sqlite'))).toBeNull();
  });

  it('says plainly what is wrong with the inputs', () => {
    expect(() => expandInputs([])).toThrow(/no profiles given/);
    expect(() => expandInputs([join(dir, 'nope')])).toThrow(/nope does not exist/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(() => expandInputs([empty])).toThrow(/holds no profiles/);
  });
});
