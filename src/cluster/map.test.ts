import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { heapPerWorkerMb, mapInputs, summarizeJob } from './map.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-map-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'p'));
mkdirSync(join(dir, 's'));
for (const f of ['rank1.sqlite', 'rank0.sqlite', 'rank10.sqlite', 't.pt.trace.json', 'notes.txt']) writeFileSync(join(dir, 'p', f), '');
writeFileSync(join(dir, 's', 'rank-0.summary.json'), '{}');

describe('mapInputs', () => {
  it('takes a folder\'s profiles, sorted by number, globs and files, without duplicates', () => {
    expect(mapInputs([join(dir, 'p')]).map((f) => f.slice(dir.length + 3))).toEqual(['rank0.sqlite', 'rank1.sqlite', 'rank10.sqlite', 't.pt.trace.json']);
    expect(mapInputs([join(dir, 'p', 'rank?.sqlite'), join(dir, 'p', 'rank0.sqlite')]).map((f) => f.slice(dir.length + 3))).toEqual(['rank0.sqlite', 'rank1.sqlite']);
  });

  it('refuses summaries (they need no map) and says what is missing', () => {
    expect(() => mapInputs([join(dir, 's')])).toThrow(/already a rank summary: reduce summaries with `sysight ranks <dir>`/);
    expect(() => mapInputs([join(dir, 'nope.sqlite')])).toThrow(/no such file or folder: .*nope\.sqlite/);
    expect(() => mapInputs([join(dir, 'x*.sqlite')])).toThrow(/no file matches/);
  });
});

describe('summarizeJob', () => {
  it('gives each profile its own task folder and log, running `profile summarize` with absolute paths', () => {
    const job = summarizeJob(['/p/a.sqlite', '/p/b.sqlite'], { cliPath: 'bin/sysight.js', outDir: '/o', nodePath: '/usr/bin/node', maxOldSpaceMb: 900 });
    expect(job.tasks[1]).toMatchObject({
      index: 1, label: '/p/b.sqlite', logPath: '/o/map/logs/task-1.log',
      argv: ['/usr/bin/node', expect.stringMatching(/^\/.*bin\/sysight\.js$/), 'profile', 'summarize', '/p/b.sqlite', '--out', '/o/map/task-1', '--order-base', '1'],
    });
    expect(job).toMatchObject({ workDir: '/o/map/scheduler', maxOldSpaceMb: 900 });
  });

  it('shares memory between workers within bounds', () => {
    expect(heapPerWorkerMb(2, 24 * 2 ** 30)).toBe(7372);
    expect(heapPerWorkerMb(64, 8 * 2 ** 30)).toBe(512);
    expect(heapPerWorkerMb(1, 512 * 2 ** 30)).toBe(8192);
  });
});
