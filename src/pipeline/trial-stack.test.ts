import { describe, expect, it } from 'vitest';
import type { Finding } from '../core/findings.js';
import { sha256Hex } from '../core/hash.js';
import { describeStack, type Measurement, type PatchPlan, type TrialRecord, type TrialVerdict } from '../core/run.js';
import { countChangedLines, unifiedDiff } from '../optimize/plan.js';
import { applyPatchToText, decideVerdict, logRatios, sequentialLook } from '../sandbox/index.js';
import { planPatch } from '../optimize/plan.js';
import { combineStack, MAX_STACK_MEMBERS, measuredAlone, stackCandidates, stackEligible, stackIdentity, stackInfo, stackPlan, type Replan, type TriedPatch } from './trial-stack.js';

const BASE = ['def get_batch(i):', '    a = load(i)', '    b = parse(i)', '    c = 1', '    d = 2', '    e = 3', '    f = 4', '    g = 5', '    h = 6', '    x = slow(a)', '    return x, b', ''].join('\n');

function measurement(speedup: number, low: number, high: number, rss: [number, number] = [100, 100]): Measurement {
  return {
    baselineMs: [10, 10, 10], candidateMs: [9, 9, 9], baselineMedianMs: 10, candidateMedianMs: 10 / (1 + speedup), speedup,
    speedupInterval: { low, high, level: 0.95 }, source: 'shim', runs: 3, stopped: 'budget', spentMs: 1000, budgetMs: 1000,
    baselinePeakRssMb: rss[0], candidatePeakRssMb: rss[1],
  };
}

function trial(verdict: TrialVerdict, m: Measurement | null, extra: Partial<TrialRecord> = {}): TrialRecord {
  return { patchId: 'p', findingId: 'f', pattern: 'C7.x', verdict, reason: '', smokeOk: true, numericsOk: true, measurement: m, ...extra };
}

function finding(id: string): Finding {
  return {
    id, category: 'C7', pattern: `C7.${id}`, title: id, file: 'data.py', function: 'get_batch', line: 2, severity: 'medium',
    impact: { msPerIter: 1, pctOfIter: 10 }, confidence: 0.8, evidence: [], localizedBy: 'catalogue',
  };
}

function patch(id: string, base: string, from: string, to: string, file = 'data.py'): PatchPlan {
  const diff = unifiedDiff(file, base, base.replace(from, to));
  return { id, findingId: id, category: 'C7', pattern: `C7.${id}`, file, baseHash: sha256Hex(base), diff, linesChanged: countChangedLines(diff), rationale: `fix ${id}`, source: 'codemod' };
}

function tried(id: string, t: TrialRecord, plan: PatchPlan): TriedPatch {
  return { trial: { ...t, patchId: plan.id }, plan, finding: finding(id) };
}

describe('stack eligibility', () => {
  const min = 0.05;
  it('takes inconclusive trials and those faster but shown below the minimum gain', () => {
    expect(stackEligible(trial('inconclusive', measurement(0.04, -0.02, 0.1)), min)).toBe(true);
    expect(stackEligible(trial('rejected', measurement(0.02, 0.01, 0.04)), min)).toBe(true);
  });
  it('never takes a slower patch, a failed guard, an accepted or an unmeasured one', () => {
    expect(stackEligible(trial('rejected', measurement(-0.02, -0.04, -0.01)), min)).toBe(false);
    expect(stackEligible(trial('rejected', measurement(0.02, 0.01, 0.04), { numericsOk: false }), min)).toBe(false);
    expect(stackEligible(trial('rejected', measurement(0.02, 0.01, 0.04), { numericsOk: null }), min)).toBe(false);
    expect(stackEligible(trial('rejected', measurement(0.02, 0.01, 0.04, [100, 400])), min)).toBe(false);
    expect(stackEligible(trial('rejected', measurement(0.3, 0.1, 0.5), { smokeOk: false }), min)).toBe(false);
    expect(stackEligible(trial('accepted', measurement(0.3, 0.1, 0.5)), min)).toBe(false);
    expect(stackEligible(trial('error', null), min)).toBe(false);
    expect(stackEligible(trial('inconclusive', measurement(0.04, -0.02, 0.1), { numericsOk: false }), min)).toBe(false);
  });
  it('needs two candidates, orders them by point speed-up and caps the stack', () => {
    const a = tried('a', trial('inconclusive', measurement(0.03, -0.1, 0.2)), patch('a', BASE, 'load(i)', 'cached(i)'));
    expect(stackCandidates([a], 0.05)).toBeNull();
    const b = tried('b', trial('rejected', measurement(0.04, 0.01, 0.045)), patch('b', BASE, 'slow(a)', 'fast(a)'));
    const slower = tried('c', trial('rejected', measurement(-0.1, -0.2, -0.05)), patch('c', BASE, 'c = 1', 'c = 0'));
    expect(stackCandidates([a, slower, b], 0.05)!.map((t) => t.plan.id)).toEqual(['b', 'a']);
    const many = Array.from({ length: MAX_STACK_MEMBERS + 3 }, (_, i) => tried(`m${i}`, trial('inconclusive', measurement(i / 100, -0.1, 0.2)), patch(`m${i}`, BASE, 'c = 1', `c = ${i}`)));
    expect(stackCandidates(many, 0.05)).toHaveLength(MAX_STACK_MEMBERS);
  });
});

describe('DataLoader patches are measured alone', () => {
  const loader = (id: string, t: TrialRecord): TriedPatch => {
    const p = patch(id, BASE, 'c = 1', `c = 1  # ${id}`, 'train.py');
    return { trial: { ...t, patchId: p.id }, plan: { ...p, category: 'C1', pattern: `C1.${id}` }, finding: { ...finding(id), category: 'C1', pattern: `C1.${id}`, file: 'train.py' } };
  };
  const workers = loader('dataloader-workers', trial('inconclusive', measurement(0.2, -0.3, 0.9)));
  const pin = loader('dataloader-pin-memory', trial('rejected', measurement(0.02, 0.01, 0.04)));
  const a = tried('a', trial('inconclusive', measurement(0.06, -0.01, 0.14)), patch('a', BASE, 'load(i)', 'cached(i)'));
  const b = tried('b', trial('inconclusive', measurement(0.05, -0.02, 0.12)), patch('b', BASE, 'slow(a)', 'fast(a)'));
  it('a C1 patch (workers, pin_memory, persistent_workers) is never a stack member, whatever its verdict or speed-up', () => {
    expect(measuredAlone(workers)).toMatch(/DataLoader \(C1\).*share-corrected clock.*never stacked/);
    expect(measuredAlone(a)).toBeNull();
    // the largest point speed-up of the round, yet left out: one C7 patch alone is no stack
    expect(stackCandidates([workers, a], 0.05)).toBeNull();
    expect(stackCandidates([workers, pin, a, b], 0.05)!.map((t) => t.plan.id)).toEqual(['a', 'b']);
    expect(stackCandidates([workers, pin], 0.05)).toBeNull();
  });
});

describe('stack combination', () => {
  const a = tried('a', trial('inconclusive', measurement(0.06, -0.01, 0.14)), patch('a', BASE, '    a = load(i)', '    a = CACHE[i]'));
  const b = tried('b', trial('inconclusive', measurement(0.05, -0.02, 0.12)), patch('b', BASE, '    x = slow(a)', '    x = fast(a)'));
  it('applies the members in order on the base and gives one reviewable patch with all of them', async () => {
    const c = (await combineStack([a, b], (f) => (f === 'data.py' ? BASE : null)))!;
    expect(c.members.map((m) => m.plan.id)).toEqual(['a', 'b']);
    expect(c.left).toEqual([]);
    expect(c.files).toHaveLength(1);
    expect(c.files[0]!.after).toContain('a = CACHE[i]');
    expect(c.files[0]!.after).toContain('x = fast(a)');
    const id = stackIdentity(c.members);
    expect(id.id).toMatch(/^stack2-[0-9a-f]{8}$/);
    expect(id.fingerprint).toBe('stack|a+b');
    // the same members in another order are the same stack (the ledger's retry and skip rules apply to it)
    expect(stackIdentity([...c.members].reverse())).toEqual(id);
    const plan = stackPlan(c, id.id);
    expect(applyPatchToText(BASE, plan.diff)).toBe(c.files[0]!.after);
    expect(plan.linesChanged).toBe(4);
    const info = stackInfo(c);
    expect(describeStack(info)).toBe('stack of 2 patches: a (C7.a in data.py, alone inconclusive +6.0%), b (C7.b in data.py, alone inconclusive +5.0%)');
  });
  it('leaves out a member planned on changed code or conflicting with the others, and needs two that fit', async () => {
    const stale = tried('s', trial('inconclusive', measurement(0.05, -0.02, 0.12)), patch('s', BASE.replace('c = 1', 'c = 7'), '    d = 2', '    d = 0'));
    const clash = tried('k', trial('inconclusive', measurement(0.05, -0.02, 0.12)), patch('k', BASE, '    a = load(i)', '    a = other(i)'));
    const c = (await combineStack([a, stale, clash, b], () => BASE))!;
    expect(c.members.map((m) => m.plan.id)).toEqual(['a', 'b']);
    expect(c.left.map((l) => l.patchId)).toEqual(['s', 'k']);
    expect(c.left[0]!.reason).toMatch(/changed since/);
    expect(c.left[1]!.reason).toMatch(/does not apply on top of the other members/);
    expect(await combineStack([a, clash], () => BASE)).toBeNull();
    expect(await combineStack([a, b], () => null)).toBeNull();
  });
  it('plans a codemod patch again on top of the members before it when the two edit neighbouring lines', async () => {
    // nanoGPT's get_batch: x and y are stacked on adjacent lines, so each patch's context holds the other's line
    const src = ['import numpy as np', 'import torch', '', 'data = np.arange(1000, dtype=np.uint16)', '', '',
      'def get_batch(block_size=8):', '    ix = torch.randint(len(data) - block_size - 1, (4,))',
      '    x = torch.stack([torch.from_numpy((data[i:i+block_size]).astype(np.int64)) for i in ix])',
      '    y = torch.stack([torch.from_numpy((data[i+1:i+1+block_size]).astype(np.int64)) for i in ix])', '    return x, y', ''].join('\n');
    const f = (line: number): Finding => ({
      ...finding(`batch${line}`), pattern: 'C7.sample-by-sample-batch', file: 'm.py', line,
      evidence: [{ kind: 'source', file: 'm.py', line, text: src.split('\n')[line - 1]!, why: 'w' }],
    });
    const planned = async (fi: Finding, text: string) => {
      const out = await planPatch('/nonexistent', fi, { gpu: false, readFile: () => text });
      if (out.kind !== 'patch') throw new Error(out.reason);
      return out.plan;
    };
    const x = { trial: trial('inconclusive', measurement(0.04, -0.02, 0.1)), plan: await planned(f(9), src), finding: f(9) };
    const y = { trial: trial('inconclusive', measurement(0.03, -0.02, 0.1)), plan: await planned(f(10), src), finding: f(10) };
    expect(await combineStack([x, y], () => src)).toBeNull();
    const replan: Replan = async (c, read) => planned(c.finding, read(c.plan.file)!);
    const c = (await combineStack([x, y], () => src, replan))!;
    expect(c.members).toHaveLength(2);
    expect(c.members[1]!.plan.baseHash).not.toBe(y.plan.baseHash);
    expect(c.members[1]!.plan.id).toBe(y.plan.id);
    // a member planned before an accepted patch changed the file is planned again on the code as it is now
    const changed = src.replace('(4,))', '(4,))  # batch of four');
    const d = (await combineStack([x, y], () => changed, replan))!;
    expect(d.members.map((m) => m.plan.baseHash === x.plan.baseHash || m.plan.baseHash === y.plan.baseHash)).toEqual([false, false]);
    expect(d.files[0]!.after).toContain('# batch of four');
    expect(d.files[0]!.after).not.toContain('torch.stack');
    expect(c.files[0]!.after).not.toContain('torch.stack');
    // the members, applied in order as the sandbox applies them, give the combined file
    expect(applyPatchToText(applyPatchToText(src, c.members[0]!.plan.diff), c.members[1]!.plan.diff)).toBe(c.files[0]!.after);
  });
});

describe('the stack decision: its own interval, the same sequential procedure', () => {
  // seeded noise: each member's per-pair log ratio is ~ +5% ± 4%; the stack's ~ +10% ± 4%
  let seed = 7;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed / 2 ** 31 - 0.5) * 0.08;
  };
  const pairs = (gain: number, n: number) => {
    const b = Array.from({ length: n }, () => 100);
    const c = b.map(() => 100 / Math.exp(Math.log(1 + gain) + noise()));
    return logRatios(b, c);
  };
  const verdict = (d: number[], min: number) => {
    const look = sequentialLook(d, min)!;
    return decideVerdict({ smoke: { ok: true, reason: '' }, numerics: null, allowUnverifiedNumerics: true, speedup: look.speedup, interval: look.interval, minGain: min }).verdict;
  };
  it('members undecided alone, the stack accepted on its own interval; a stack that does not clear the bar is not', () => {
    const min = 0.04;
    expect(verdict(pairs(0.05, 4), min)).toBe('inconclusive');
    expect(verdict(pairs(0.05, 4), min)).toBe('inconclusive');
    expect(verdict(pairs(0.2, 4), min)).toBe('accepted');
    // members whose gains do not add up: the stack stays undecided, whatever the members' sum says
    expect(verdict(pairs(0.04, 4), min)).toBe('inconclusive');
  });
});
