// The closed loop end to end: the real CLI as a subprocess on a small git repository with a real PyTorch
// workload. Pins: a real inefficiency is found, patched, verified and accepted; the user's working tree is
// byte-identical afterwards; no worktree or temp folder is left; a second run reads the ledger and skips a
// patch that failed before on the same code; SIGINT stops the loop cleanly.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'sysight.js');
const PY = '/usr/bin/python3';
const hasTorch = existsSync(PY) && spawnSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

const TRAIN = `import numpy as np
import torch

torch.manual_seed(0)
tokens = (np.arange(20000) % 97).astype(np.uint16)
B, T = 16, 48
model = torch.nn.Sequential(torch.nn.Embedding(97, 32), torch.nn.Flatten(), torch.nn.Linear(32 * T, 97))
opt = torch.optim.SGD(model.parameters(), lr=0.01)


def get_batch():
    starts = torch.randint(len(tokens) - T - 1, (B,))
    x = torch.zeros((B, T), dtype=torch.long)
    y = torch.zeros((B,), dtype=torch.long)
    for b, start in enumerate(starts):
        for t in range(T):
            x[b, t] = int(tokens[start + t])
    y[:] = x[:, -1]
    return x, y


for it in range(30):
    x, y = get_batch()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"iter {it}: loss {loss.item():.4f}")
`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sysight-loop-'));
  writeFileSync(join(dir, 'train.py'), TRAIN);
  writeFileSync(join(dir, 'README.md'), '# toy\n\n```\npython train.py\n```\n');
  writeFileSync(join(dir, 'notes.txt'), 'untracked user file\n');
  git(dir, 'init', '-q');
  git(dir, 'add', 'train.py', 'README.md');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'init');
  return dir;
}

/** sha256 of every file in the tree except .git and Sysight's own .sysight folder. */
function treeHash(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (rel === '.git' || rel === '.sysight') continue;
      if (statSync(p).isDirectory()) walk(p);
      else out.set(rel, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/** A private temp folder for the CLI (its sandboxes go there), so other tests' sandboxes never mix in. */
const PRIVATE_TMP = mkdtempSync(join(tmpdir(), 'sysight-loop-tmp-'));

function sandboxLeftovers(): string[] {
  return readdirSync(PRIVATE_TMP).filter((n) => n.startsWith('sysight-'));
}

function loop(repo: string, extra: string[] = []) {
  return spawnSync(process.execPath, [CLI, 'agent-loop', '--repo', repo, '--python', PY, '--rounds', '2', '--runs', '3', '--json', ...extra], {
    encoding: 'utf8', timeout: 900_000, env: { ...process.env, SYSIGHT_SAMPLE_US: '300', TMPDIR: PRIVATE_TMP, SYSIGHT_HOME: join(PRIVATE_TMP, 'home') },
  });
}

describe.skipIf(!hasTorch)('sysight agent-loop (real workload)', { timeout: 900_000 }, () => {
  let repo: string;
  let before: Map<string, string>;
  beforeAll(() => {
    repo = makeRepo();
    before = treeHash(repo);
  });
  afterAll(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(PRIVATE_TMP, { recursive: true, force: true });
  });

  it('finds the element-by-element batch, verifies and accepts the fix, and leaves the tree untouched', () => {
    const r = loop(repo);
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.status).toBe('done');
    const trials = run.rounds.flatMap((x: { trials: Array<{ pattern: string; verdict: string }> }) => x.trials);
    expect(trials.find((t: { pattern: string }) => t.pattern === 'C7.element-loop')?.verdict).toBe('accepted');
    expect(run.final, r.stderr).toBeDefined();
    expect(run.final.verdict, run.final.reason).toBe('accepted');
    expect(run.final.speedup).toBeGreaterThan(0.01);
    const dir = join(repo, '.sysight', 'runs', run.id);
    for (const f of ['run.json', 'findings.json', 'report.md', 'report.json', 'report.html']) expect(existsSync(join(dir, f))).toBe(true);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('C7.element-loop');
    // round 2's CPU-only profile is compared with round 1's on what it holds, not called incomparable
    expect(run.rounds[1]?.profileDiff?.headline).toMatch(/^(likely improvement|likely regression|neutral): CPU-only profiles, median step time/);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/Profile against round 1 \(`sysight diff`\): \*\*[a-z ]+\*\* — CPU-only profiles/);
    expect(treeHash(repo)).toEqual(before);
    expect(git(repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    expect(git(repo, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(sandboxLeftovers()).toEqual([]);
    // the trial also went to the per-user ledger, tagged with its repository (for general lessons)
    const global = readFileSync(join(PRIVATE_TMP, 'home', 'ledger.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(global.some((e: { repo: string; pattern: string }) => e.pattern === 'C7.element-loop' && e.repo.endsWith(repo.split('/').pop()!))).toBe(true);
  });

  it('a second run reads the ledger and skips a patch that failed before on the same code', () => {
    const fresh = makeRepo();
    try {
      const first = loop(fresh, ['--min-gain', '100', '--rounds', '1']);
      expect(first.status, first.stderr).toBe(0);
      const t1 = JSON.parse(first.stdout).rounds[0].trials.find((t: { pattern: string }) => t.pattern === 'C7.element-loop');
      expect(t1.verdict).toBe('rejected');
      const second = loop(fresh, ['--rounds', '1']);
      expect(second.status, second.stderr).toBe(0);
      const t2 = JSON.parse(second.stdout).rounds[0].trials.find((t: { pattern: string }) => t.pattern === 'C7.element-loop');
      expect(t2.verdict).toBe('skipped');
      expect(t2.reason).toMatch(/tried before on the same code/);
      expect(readFileSync(join(fresh, '.sysight', 'ledger.jsonl'), 'utf8').trim().split('\n').length).toBe(1);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('stops on SIGINT with exit 130, leaving no worktree and an untouched tree', async () => {
    const fresh = makeRepo();
    const hash = treeHash(fresh);
    try {
      const child = spawn(process.execPath, [CLI, 'agent-loop', '--repo', fresh, '--python', PY, '--runs', '3'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: PRIVATE_TMP, SYSIGHT_HOME: join(PRIVATE_TMP, 'home') } });
      let err = '';
      const code = await new Promise<number | null>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          if (/\[execute\] measuring/.test(err) && !child.killed) child.kill('SIGINT');
        });
        child.on('exit', (c) => resolve(c));
      });
      expect(code, err).toBe(130);
      expect(err).toMatch(/cancelled/);
      expect(treeHash(fresh)).toEqual(hash);
      expect(git(fresh, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
      expect(sandboxLeftovers()).toEqual([]);
      const runs = readdirSync(join(fresh, '.sysight', 'runs'));
      expect(JSON.parse(readFileSync(join(fresh, '.sysight', 'runs', runs[0]!, 'run.json'), 'utf8')).status).toBe('cancelled');
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('refuses a repo that is not git, and a missing path, with one line and exit 2', () => {
    const plain = mkdtempSync(join(tmpdir(), 'sysight-nogit-'));
    try {
      writeFileSync(join(plain, 'train.py'), TRAIN);
      const r = spawnSync(process.execPath, [CLI, 'agent-loop', '--repo', plain, '--python', PY], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/not a git repository/);
      const m = spawnSync(process.execPath, [CLI, 'agent-loop', '--repo', join(plain, 'nope')], { encoding: 'utf8' });
      expect(m.status).toBe(2);
      expect(m.stderr).toMatch(/no such directory/);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});
