import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandProfiles, heapPerWorkerMb, summarizeJob } from './map.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-map-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ['rank1.sqlite', 'rank0.sqlite', 'rank10.sqlite', 't.pt.trace.json', 'rank-0.summary.json', 'notes.txt']) writeFileSync(join(dir, f), '');
mkdirSync(join(dir, 'sub'));

describe('expandProfiles', () => {
  it('takes a folder\'s profiles (not summaries or other files), globs and files, sorted, without duplicates', () => {
    expect(expandProfiles([dir]).map((f) => f.slice(dir.length + 1))).toEqual(['rank0.sqlite', 'rank1.sqlite', 'rank10.sqlite', 't.pt.trace.json']);
    expect(expandProfiles([join(dir, 'rank?.sqlite'), join(dir, 'rank0.sqlite')]).map((f) => f.slice(dir.length + 1))).toEqual(['rank0.sqlite', 'rank1.sqlite']);
  });

  it('says what is missing', () => {
    expect(() => expandProfiles([join(dir, 'nope.sqlite')])).toThrow(/no such file or folder: .*nope\.sqlite/);
    expect(() => expandProfiles([join(dir, 'x*.sqlite')])).toThrow(/no file matches/);
    expect(() => expandProfiles([join(dir, 'sub')])).toThrow(/no profiles .* in/);
  });
});

describe('summarizeJob', () => {
  it('gives each profile its own task folder and log, running `profile summarize` with absolute paths', () => {
    const job = summarizeJob(['/p/a.sqlite', '/p/b.sqlite'], { cliPath: 'bin/sysight.js', outDir: '/o', nodePath: '/usr/bin/node', maxOldSpaceMb: 900 });
    expect(job.tasks[1]).toMatchObject({
      index: 1, label: '/p/b.sqlite', logPath: '/o/map/logs/task-1.log',
      argv: ['/usr/bin/node', expect.stringMatching(/^\/.*bin\/sysight\.js$/), 'profile', 'summarize', '/p/b.sqlite', '--out', '/o/map/task-1'],
    });
    expect(job).toMatchObject({ workDir: '/o/map/scheduler', maxOldSpaceMb: 900 });
  });

  it('shares memory between workers within bounds', () => {
    expect(heapPerWorkerMb(2, 24 * 2 ** 30)).toBe(7372);
    expect(heapPerWorkerMb(64, 8 * 2 ** 30)).toBe(512);
    expect(heapPerWorkerMb(1, 512 * 2 ** 30)).toBe(8192);
  });
});
