// `sysight diff` keeps each side's step metrics in the profile's cache entry (result-diff-side-*.bin): a later diff
// of the same files reads them and prints the same answer; a damaged one is dropped with one note and computed
// again; a changed file is never answered from its old side.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetScenario, writeNsysProfile } from '../../src/profile/generator/index.js';
import { keptAnswerFiles } from '../../src/profile/testing.js';
import { ensureBuilt, sysightSync } from '../support/cli.js';

let tmp = '';
let cache = '';
const f = (name: string) => join(tmp, name);
const diff = (env: Record<string, string> = {}) => {
  const r = sysightSync(['diff', f('a.sqlite'), f('b.sqlite'), '--json'], { env: { SYSIGHT_CACHE: cache, ...env } });
  expect(r.code, r.stderr).toBe(0);
  return { json: JSON.parse(r.stdout) as { verdict: string; headline: string }, stderr: r.stderr };
};
const sides = () => keptAnswerFiles(cache, 'diff-side');

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'sysight-diff-kept-'));
  cache = join(tmp, 'cache');
  writeNsysProfile({ ...presetScenario('sync-bound', 12), seed: 1 }, f('a.sqlite'));
  writeNsysProfile({ ...presetScenario('healthy', 12), seed: 2 }, f('b.sqlite'));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sysight diff with kept sides', () => {
  it('keeps both sides and answers a later diff from them with the same result', () => {
    const first = diff();
    expect(sides()).toHaveLength(2);
    const second = diff();
    expect(second.stderr).toBe('');
    expect(second.json).toEqual(first.json);
    expect(diff({ SYSIGHT_CACHE: 'off' }).json).toEqual(first.json);
  });

  it('drops a damaged side with one note and computes it again', () => {
    const first = diff();
    const [one] = sides();
    writeFileSync(one!, 'not a diff side');
    const again = diff();
    expect(again.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^sysight: the cached diff-side of .* is damaged \(.*\); computing it again$/)]);
    expect(again.json).toEqual(first.json);
    expect(sides()).toHaveLength(2);
  });

  it('never answers a changed file from its old side', () => {
    const before = diff();
    writeNsysProfile({ ...presetScenario('sync-bound', 12), seed: 1 }, f('b.sqlite')); // b now has a's content
    const after = diff();
    expect(after.json.headline).not.toEqual(before.json.headline);
    expect(after.json).toEqual(diff({ SYSIGHT_CACHE: 'off' }).json);
  });
});
