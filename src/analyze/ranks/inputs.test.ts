import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { collectRanks, expandInputs, readSummaryFile } from './inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-ranks-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};

describe('rank inputs', () => {
  it('takes a folder\'s summaries over its profiles, numeric order, and globs in the file name', () => {
    write('a/rank-10.summary.json', '{}');
    write('a/rank-2.summary.json', '{}');
    write('a/rank2.sqlite', 'x');
    write('b/rank1.sqlite', 'x');
    write('b/rank0.json.gz', 'x');
    write('b/notes.txt', 'x');
    write('b/rank3.sqlite.tmp-123', 'x');
    expect(expandInputs([join(dir, 'a')])).toEqual([join(dir, 'a/rank-2.summary.json'), join(dir, 'a/rank-10.summary.json')]);
    expect(expandInputs([join(dir, 'b')])).toEqual([join(dir, 'b/rank0.json.gz'), join(dir, 'b/rank1.sqlite')]);
    expect(expandInputs([join(dir, 'b/rank*.sqlite')])).toEqual([join(dir, 'b/rank1.sqlite')]);
    expect(() => expandInputs([join(dir, 'b/*.nope')])).toThrow(/no file matches/);
    expect(() => expandInputs([join(dir, 'missing')])).toThrow(UserError);
  });

  it('checks a summary\'s version and shape', () => {
    expect(() => readSummaryFile(write('v2.summary.json', '{"version": 2}'))).toThrow(/version 2, this sysight reads version 1/);
    expect(() => readSummaryFile(write('half.summary.json', '{"version": 1, "identity": {"rank": 1}}'))).toThrow(/not a complete rank summary/);
    expect(() => readSummaryFile(write('cut.summary.json', '{"version": 1, "ide'))).toThrow(/not a readable rank summary/);
  });

  it('turns every unusable file into a problem of its rank and goes on', async () => {
    write('c/rank-4.summary.json', '{"version": 3}');
    write('c/rank-5.summary.json', 'garbage');
    const { summaries, problems, files } = await collectRanks([join(dir, 'c')]);
    expect(files).toBe(2);
    expect(summaries).toEqual([]);
    expect(problems.map((p) => [p.rank, p.kind])).toEqual([[4, 'unreadable'], [5, 'unreadable']]);
  });
});
