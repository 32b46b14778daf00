// `sysight analyze` keeps the diagnosis from the profile alone in the profile's cache entry
// (result-diagnosis-*.json, src/analyze/diagnose/kept.ts): a later `analyze <profile>` prints it without computing
// it again, and `analyze <profile> --repo` takes its profile findings from it while localizing to the repository
// afresh; a damaged one is dropped with one note and computed again; a changed file is never answered from it.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalizedFindingSet, ProfileDiagnosis } from '../../src/core/findings.js';
import { presetScenario, writeNsysProfile } from '../../src/profile/generator/index.js';
import { keptAnswerFiles } from '../../src/profile/testing.js';
import { ensureBuilt, repoRoot, sysightSync } from '../support/cli.js';

const CASE = join(repoRoot, 'bench', 'analyze', 'cases', 'train-single-gpu');
let tmp = '';
let cache = '';
let profile = '';
let repo = '';

function analyze<T = ProfileDiagnosis>(args: string[] = [], env: Record<string, string> = {}): { json: T; notes: string[] } {
  const r = sysightSync(['analyze', profile, '--json', ...args], { env: { SYSIGHT_CACHE: cache, ...env } });
  expect(r.code, r.stderr).toBe(0);
  return { json: JSON.parse(r.stdout) as T, notes: r.stderr.split('\n').filter((l) => l.startsWith('sysight: ')) };
}
const keptFiles = () => keptAnswerFiles(cache, 'diagnosis');

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'sysight-analyze-kept-'));
  cache = join(tmp, 'cache');
  profile = join(tmp, 'train.sqlite');
  repo = join(tmp, 'repo');
  cpSync(join(CASE, 'repo'), repo, { recursive: true });
  const g = sysightSync(['generate', join(CASE, 'scenario.yaml'), '-o', profile]);
  expect(g.code, g.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sysight analyze with a kept diagnosis', () => {
  it('keeps it, prints the same diagnosis from it, and gives --repo its profile findings', () => {
    const first = analyze();
    expect(first.json.findings.length).toBeGreaterThan(0);
    expect(keptFiles()).toHaveLength(1);
    expect(analyze()).toEqual(first);
    expect(analyze([], { SYSIGHT_CACHE: 'off' }).json).toEqual(first.json);

    // read, not computed: a kept diagnosis edited (with its checksum) is what both commands print
    const [file] = keptFiles();
    const box = JSON.parse(readFileSync(file!, 'utf8')) as { name: string; payload: string };
    const kept = JSON.parse(box.payload) as { stamp: string; diagnosis: ProfileDiagnosis };
    kept.diagnosis.findings[0]!.title = 'kept marker';
    const payload = JSON.stringify(kept);
    writeFileSync(file!, JSON.stringify({ name: box.name, sha256: createHash('sha256').update(payload).digest('hex'), payload }));
    expect(analyze().json.findings[0]!.title).toBe('kept marker');
    const localized = analyze<LocalizedFindingSet>(['--repo', repo]).json;
    expect(localized.profileFindings?.[0]?.title).toBe('kept marker');
    expect(localized.findings.length).toBeGreaterThan(0); // localized to the repository's lines, not kept
    rmSync(file!);
  }, 240_000);

  it('drops a damaged diagnosis with one note and computes it again', () => {
    const first = analyze();
    const [file] = keptFiles();
    writeFileSync(file!, 'not a diagnosis');
    const again = analyze();
    expect(again.notes).toEqual([expect.stringMatching(/^sysight: the cached diagnosis of .*train\.sqlite is damaged \(.*\); computing it again$/)]);
    expect(again.json).toEqual(first.json);
    expect(keptFiles()).toHaveLength(1);
  }, 120_000);

  it('never answers a changed file from its old diagnosis', () => {
    const before = analyze().json;
    writeNsysProfile({ ...presetScenario('memcpy-bound', 12), seed: 4 }, profile);
    const after = analyze().json;
    expect(after).not.toEqual(before);
    expect(after).toEqual(analyze([], { SYSIGHT_CACHE: 'off' }).json);
  }, 120_000);
});
