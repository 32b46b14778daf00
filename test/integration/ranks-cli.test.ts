// `sysight generate --ranks`, `sysight profile summarize` (map) and `sysight ranks` (reduce) as subprocesses
// (after `npm run build`): a generated 8-rank run with a planted compute straggler and a slow data loader,
// bad ranks reported while the rest is analyzed, the findings placed in a repository, the real two-rank export.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RanksReport } from '../../src/core/ranks.js';

const BIN = resolve(__dirname, '../../bin/sysight.js');
const H100 = '/work/shared/profiles/GindaChen+nsys-ai__h100_2gpu_1s.sqlite';
const dir = mkdtempSync(join(tmpdir(), 'sysight-ranks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(...args: string[]): string {
  const r = run(...args);
  if (r.code !== 0) throw new Error(`sysight ${args.join(' ')} → ${r.code}: ${r.err}`);
  return r.out;
}

const raw = join(dir, 'raw');
const sums = join(dir, 'summaries');
const STRAGGLER = 2;
const SLOW = 5;

beforeAll(() => {
  // each rank on its own clock (as on different hosts): the reduce has to align them by the collectives
  ok('generate', '--ranks', '8', '--out-dir', raw, '--straggler', String(STRAGGLER), '--slow-data', String(SLOW), '--iterations', '10', '--clock-skew-ms', '250');
  for (const f of readdirSync(raw)) ok('profile', 'summarize', join(raw, f), '--out', sums);
});

function checkRun(r: RanksReport): void {
  expect(r.worldSize).toBe(8);
  expect(r.ranks.map((x) => x.identity.rank)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(r.problems).toEqual([]);
  expect(r.ranks.filter((x) => x.clock.alignedBy === 'collective-end')).toHaveLength(7);
  expect(r.stragglers.map((s) => [s.rank, s.reason])).toEqual([[SLOW, 'data-loading'], [STRAGGLER, 'compute']]);
  const [slow, straggler] = r.stragglers;
  expect(slow!.lastArrivalShare).toBe(1);
  expect(slow!.evidence.join('\n')).toMatch(new RegExp(`host data loading [\\d.]+ ms/step on rank ${SLOW} vs [\\d.]+ ms median of the other ranks`));
  expect(slow!.evidence.join('\n')).toMatch(/data-load at data\.py:31 __getitem__/);
  expect(straggler!.evidence.join('\n')).toMatch(new RegExp(`GPU compute [\\d.]+ ms/step on rank ${STRAGGLER} vs [\\d.]+ ms median`));
  expect(r.collectiveWaits.length).toBe(10);
  expect(r.collectiveWaits.every((w) => w.lastRank === SLOW)).toBe(true);
  const f = r.findings.map((x) => `${x.category} ${x.pattern} ${x.file}:${x.line}`);
  expect(f).toEqual(expect.arrayContaining(['C1 C1.rank-data-loading data.py:31', 'C6 C6.rank-skew train.py:80']));
}

describe('sysight ranks on a generated 8-rank run', () => {
  it('writes one summary per rank from the map step', () => {
    expect(readdirSync(sums).sort()).toEqual(Array.from({ length: 8 }, (_, r) => `rank-${r}.summary.json`).sort());
    const out = run('profile', 'summarize', join(raw, 'rank0.sqlite'), '--out', join(dir, 'one'), '--json');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.out).summaries).toEqual([{ rank: 0, path: join(dir, 'one', 'rank-0.summary.json') }]);
  });

  it('names the straggler and the slow data loader from the summaries (reduce only)', () => {
    const report = join(dir, 'report.json');
    const r = JSON.parse(ok('ranks', sums, '--json', '--out', report)) as RanksReport;
    checkRun(r);
    expect(existsSync(report)).toBe(true);
  });

  it('gives the same answer from the raw profiles (map in-process) and prints the text report', () => {
    checkRun(JSON.parse(ok('ranks', join(raw, 'rank*.sqlite'), '--json')) as RanksReport);
    const text = ok('ranks', raw);
    expect(text).toMatch(new RegExp(`rank ${SLOW}: data-loading, [\\d.]+ ms late per collective`));
    expect(text).toMatch(new RegExp(`rank ${STRAGGLER}: compute, [\\d.]+ ms late per collective`));
    for (const h of ['Stragglers', 'Largest collective waits', 'Exposed communication', 'Findings']) expect(text).toContain(h);
  });

  it('reports a corrupt rank, a rank from another run and a missing rank, and analyzes the rest', () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    for (const f of readdirSync(sums)) copyFileSync(join(sums, f), join(mixed, f));
    writeFileSync(join(mixed, 'rank-3.summary.json'), '{"version": 1, "identity": {"rank": 3}, "ste');
    unlinkSync(join(mixed, 'rank-7.summary.json'));
    const other = join(dir, 'other');
    ok('generate', '--ranks', '8', '--out-dir', join(other, 'raw'), '--iterations', '10', '--run-id', 'another-job');
    ok('profile', 'summarize', join(other, 'raw', 'rank6.sqlite'), '--out', mixed);
    const r = JSON.parse(ok('ranks', mixed, '--json')) as RanksReport;
    expect(r.problems.map((p) => `${p.kind}:${p.rank}`).sort()).toEqual(['different-run:6', 'missing:7', 'unreadable:3']);
    expect(r.problems.find((p) => p.kind === 'unreadable')!.message).toMatch(/rank-3\.summary\.json is not a readable rank summary/);
    expect(r.ranks.map((x) => x.identity.rank)).toEqual([0, 1, 2, 4, 5]);
    expect(r.stragglers.map((s) => [s.rank, s.reason])).toEqual([[SLOW, 'data-loading'], [STRAGGLER, 'compute']]);
    const text = ok('ranks', mixed);
    expect(text).toMatch(/\[different-run\] rank 6: .*different run/);
    expect(text).toMatch(/\[missing\] rank 7/);
  });

  it('keeps the maps of two node exports apart and numbers their GPU-ordered ranks file after file', () => {
    const nodes = join(dir, 'nodes');
    mkdirSync(nodes);
    for (const [i, seed] of [[0, '3'], [1, '4']] as const) ok('generate', '--preset', 'nccl-exposed', '--iterations', '6', '--seed', seed, '--out', join(nodes, `node${i}.sqlite`));
    const out = join(dir, 'node-sums');
    for (const i of [0, 1]) ok('profile', 'summarize', join(nodes, `node${i}.sqlite`), '--out', out);
    expect(readdirSync(out).sort()).toEqual(['rank-0.node0.summary.json', 'rank-0.node1.summary.json', 'rank-1.node0.summary.json', 'rank-1.node1.summary.json']);
    const r = JSON.parse(ok('ranks', out, '--json')) as RanksReport;
    expect(r.ranks.map((x) => [x.identity.rank, x.source.endsWith('node0.sqlite') ? 0 : 1])).toEqual([[0, 0], [1, 0], [2, 1], [3, 1]]);
    expect(r.problems).toEqual([]);
    expect(r.notes.join(' ')).toMatch(/file after file/);
  });

  it('rejects unusable input with one line and exit code 2', () => {
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'not a database at all');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    for (const args of [['profile', 'summarize', junk, '--out', join(dir, 'x')], ['ranks', empty], ['ranks', junk], ['ranks', join(dir, 'nope')]]) {
      const r = run(...args);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^sysight: error: /);
    }
  });
});

/** Puts each [line, text] at its 1-based line, blank lines between. */
function source(lines: Array<[number, string]>): string {
  const n = Math.max(...lines.map(([l]) => l));
  const out = Array.from({ length: n }, () => '');
  for (const [l, t] of lines) out[l - 1] = t;
  return `${out.join('\n')}\n`;
}

describe('sysight ranks --repo', () => {
  it('places the findings in the repository with the DDP and DataLoader construction as evidence', () => {
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    writeFileSync(join(repo, 'data.py'), source([
      [1, 'import numpy as np'], [2, 'from torch.utils.data import Dataset'],
      [20, 'class TokenDataset(Dataset):'], [21, '    def __init__(self, path):'], [22, '        self.path = path'],
      [26, '    def __getitem__(self, i):'], [27, "        f = open(self.path, 'rb')"],
      [31, '        arr = np.frombuffer(f.read(), dtype=np.uint16)'], [32, '        return arr[i:i + 256], arr[i + 1:i + 257]'],
    ]));
    writeFileSync(join(repo, 'train.py'), source([
      [1, 'import torch'], [2, 'import torch.distributed as dist'], [3, 'from torch.nn.parallel import DistributedDataParallel as DDP'],
      [4, 'from torch.utils.data import DataLoader'], [5, 'from data import TokenDataset'],
      [60, 'def train_step(model, batches, opt):'], [64, '    x, y = next(batches)'],
      [71, "    x, y = x.to('cuda', non_blocking=True), y.to('cuda', non_blocking=True)"], [72, '    loss = model(x, y)'],
      [79, '    loss.backward()'], [80, '    dist.all_reduce(loss)'], [83, '    opt.step()'], [88, '    return loss.item()'],
      [95, 'def main():'], [96, "    dist.init_process_group('nccl')"], [97, '    model = torch.nn.Linear(256, 256).cuda()'],
      [98, '    model = DDP(model, device_ids=[dist.get_rank()])'],
      [99, "    loader = DataLoader(TokenDataset('train.bin'), batch_size=8, num_workers=0)"],
      [100, '    opt = torch.optim.AdamW(model.parameters())'], [110, '    for epoch in range(10):'],
      [111, '        batches = iter(loader)'], [112, '        train_step(model, batches, opt)'],
      [129, "if __name__ == '__main__':"], [130, '    main()'],
    ]));
    const r = JSON.parse(ok('ranks', sums, '--repo', repo, '--json')) as RanksReport;
    const c1 = r.findings.find((f) => f.pattern === 'C1.rank-data-loading')!;
    expect([c1.file, c1.function, c1.line]).toEqual(['data.py', 'TokenDataset.__getitem__', 31]);
    expect(c1.evidence.some((e) => e.kind === 'source' && e.file === 'train.py' && e.line === 99 && /num_workers=0/.test(e.text))).toBe(true);
    const c6 = r.findings.find((f) => f.pattern === 'C6.rank-skew')!;
    expect([c6.file, c6.function, c6.line]).toEqual(['train.py', 'train_step', 80]);
    expect(c6.evidence.some((e) => e.kind === 'source' && e.line === 98 && /DDP\(/.test(e.text))).toBe(true);
    expect(c6.evidence.some((e) => e.kind === 'profile' && e.values?.rank === STRAGGLER)).toBe(true);
  });
});

describe.skipIf(!existsSync(H100))('sysight ranks on the real two-rank nsys export', () => {
  it('finds two rank processes on two GPUs sharing one clock', () => {
    const out = join(dir, 'h100');
    const paths = ok('profile', 'summarize', H100, '--out', out).trim().split('\n');
    // ranks known only by GPU order: the profile's name keeps maps of several node exports apart
    expect(paths).toEqual([join(out, 'rank-0.GindaChen_nsys-ai__h100_2gpu_1s.summary.json'), join(out, 'rank-1.GindaChen_nsys-ai__h100_2gpu_1s.summary.json')]);
    const r = JSON.parse(ok('ranks', out, '--json')) as RanksReport;
    expect(r.ranks.map((x) => [x.identity.rank, x.identity.source, x.identity.deviceIds])).toEqual([[0, 'device', [0]], [1, 'device', [1]]]);
    expect(r.ranks.map((x) => x.clock.alignedBy)).toEqual(['shared-clock', 'shared-clock']);
    expect(r.ranks[0]!.identity.pid).not.toBe(r.ranks[1]!.identity.pid);
    expect(r.ranks.map((x) => x.identity.host)).toEqual(['modal', 'modal']);
    expect(r.ranks.every((x) => x.steps > 0 && x.totals.computeNs > 0)).toBe(true);
    expect(r.problems).toEqual([]);
  });
});
