// `sysight analyze` as a subprocess (after `npm run build`), on a generated benchmark case.
import { execSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sysight.js');
const CASE = join(ROOT, 'bench', 'analyze', 'cases', 'train-single-gpu');

function sysight(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sysight analyze (CLI)', () => {
  let dir: string;
  let repo: string;
  let profile: string;
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) execSync('npm run build', { cwd: ROOT, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'sysight-analyze-cli-'));
    repo = join(dir, 'repo');
    cpSync(join(CASE, 'repo'), repo, { recursive: true });
    profile = join(dir, 'train.sqlite');
    const g = sysight('generate', join(CASE, 'scenario.yaml'), '-o', profile);
    expect(g.code, g.stderr).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the ranked findings table with file:function:line', () => {
    const r = sysight('analyze', profile, '--repo', repo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/train\.py/);
    expect(r.stdout).toMatch(/44/);
    expect(r.stdout).toMatch(/data\.py/);
    expect(r.stdout).toMatch(/Run: /);
  }, 120_000);

  it('--json prints a LocalizedFindingSet with the loss.item() sync and the memmap reopen', () => {
    const r = sysight('analyze', profile, '--repo', repo, '--json');
    expect(r.code, r.stderr).toBe(0);
    const set = JSON.parse(r.stdout) as { findings: Array<{ category: string; file: string; function: string; line: number; impact: { msPerIter: number } }> };
    const at = set.findings.map((f) => `${f.category} ${f.file}:${f.function}:${f.line}`);
    expect(at).toContain('C3 train.py:train:44');
    expect(at).toContain('C7 data.py:TokenDataset.__getitem__:20');
    // ranked by impact
    const ms = set.findings.map((f) => f.impact.msPerIter);
    expect(ms).toEqual([...ms].sort((a, b) => b - a));
  }, 120_000);

  it('exits 2 with one line when the repo is not a directory', () => {
    const file = join(dir, 'not-a-dir.txt');
    writeFileSync(file, 'x');
    const r = sysight('analyze', profile, '--repo', file);
    expect(r.code).toBe(2);
    // one error line (after the progress line), no stack trace
    expect(r.stderr.trim().split('\n').filter((l) => /error/i.test(l))).toEqual([`sysight: error: ${file} is not a directory`]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('still analyzes, with a note, when the stacks name no file of the repo', () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'app.py'), 'import torch\n\n\ndef main():\n    x = torch.ones(3).cuda()\n    print(x.sum().item())\n\n\nif __name__ == "__main__":\n    main()\n');
    const r = sysight('analyze', profile, '--repo', other, '--json');
    expect(r.code, r.stderr).toBe(0);
    const set = JSON.parse(r.stdout) as { notes: string[]; iterations: number };
    expect(set.notes.join('\n')).toMatch(/stacks name no file of this repo/);
    expect(set.iterations).toBeGreaterThan(0);
  }, 120_000);

  it('without --repo gives the diagnosis from the profile alone, as text and as JSON, with the same step count', () => {
    const t = sysight('analyze', profile);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^Steps: \d+ steps: the kernel sequence repeats every \d+ kernels on GPU 0/m);
    expect(t.stdout).toMatch(/C1 Host scheduling · [\d.]+ ms \([\d.]+% of the profile, [\d.]+ ms\/step\)/);
    expect(t.stdout).toMatch(/open64 ×\d+/);
    expect(t.stdout).toMatch(/Give --repo <dir> to localize these to source lines\./);
    const j = sysight('analyze', profile, '--json');
    expect(j.code, j.stderr).toBe(0);
    const d = JSON.parse(j.stdout) as { schemaVersion: number; iterations: { count: number; method: string }; findings: Array<{ id: string; category: string; pattern: string; impact: { ms: number } }> };
    expect(d.schemaVersion).toBe(1);
    expect(d.findings[0]).toMatchObject({ category: 'C1', pattern: 'profile.host-idle' });
    const withRepo = JSON.parse(sysight('analyze', profile, '--repo', repo, '--json').stdout) as { iterations: number; profileFindings: Array<{ id: string }> };
    expect(d.iterations.count).toBe(withRepo.iterations);
    expect(withRepo.profileFindings.map((f) => f.id)).toEqual(d.findings.map((f) => f.id));
  }, 120_000);

  it('without --repo exits 2 with one line on a file that is not a profile', () => {
    const bad = join(dir, 'notes.sqlite');
    writeFileSync(bad, 'not a database');
    const r = sysight('analyze', bad);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').filter((l) => /error/i.test(l))).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
