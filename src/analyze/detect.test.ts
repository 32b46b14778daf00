// The detector paths, each pinned on hand-built input: a stack site on the match's line (nsys callchains), a
// function-level site (Kineto python_function frames name a function's first line), no stacks at all (catalogue
// on the hot path ranked by category cost), and decoys that no profile evidence supports.
import { describe, expect, it } from 'vitest';
import type { Category } from '../core/findings.js';
import type { CatalogueMatch } from '../source/catalogue-types.js';
import { siteKey, type Attribution, type CostKind, type SiteCost } from './attribution.js';
import { detect, type CategorySignal, type DetectInput } from './detect.js';

const ZERO = (): Record<CostKind, number> => ({ sync: 0, memcpy: 0, launch: 0, alloc: 0, runtime: 0, op: 0, python: 0 });

function site(file: string, line: number, func: string, ns: Partial<Record<CostKind, number>>, names: Record<string, number> = {}, via: SiteCost['via'] = 'callchain'): SiteCost {
  return { file, line, func, via, ns: { ...ZERO(), ...ns }, count: ZERO(), names: new Map(Object.entries(names)), example: [`${func} (${file}:${line})`] };
}

function match(patternId: string, file: string, fn: string, line: number, extra: Partial<CatalogueMatch> = {}): CatalogueMatch {
  return { patternId, category: patternId.slice(0, 2) as Category, file, function: fn, line, column: 5, text: '', why: 'test', inHotPath: true, inLoop: true, ...extra };
}

function attribution(sites: SiteCost[], hasStacks = true, via: Array<'callchain' | 'python-stack'> = ['callchain'], seen: string[] = []): Attribution {
  const map = new Map(sites.map((s) => [siteKey(s.file, s.line), s]));
  return { sites: map, hasStacks, via: new Set(hasStacks ? via : []), seen: new Set([...map.keys(), ...seen]) };
}

function input(matches: CatalogueMatch[], attr: Attribution, signals: Array<[Category, number]> = [], extra: Partial<DetectInput> = {}): DetectInput {
  const sig = new Map<Category, CategorySignal>(signals.map(([c, ms]) => [c, { category: c, msPerIter: ms, evidence: [{ kind: 'profile', query: c, summary: `${c} ${ms} ms/iter` }] }]));
  // 10 iterations of 20 ms
  return { matches, attribution: attr, signals: sig, iterMs: 20, iterations: 10, perIterDivisor: 10, nvtxFunctionMs: new Map(), minShare: 0.01, gpu: true, ...extra };
}

const key = (f: { category: string; file: string; function: string; line: number }) => `${f.category} ${f.file}:${f.function}:${f.line}`;

describe('detect with callchains', () => {
  it('confirms a sync pattern by the sync time measured on its own line, and leaves a cost-free decoy unconfirmed', () => {
    const item = match('C3.item-sync', 'train.py', 'train', 44);
    const evalItem = match('C3.item-sync', 'train.py', 'evaluate', 17); // never ran: no site
    const r = detect(input([item, evalItem], attribution([site('train.py', 44, 'train', { sync: 50e6, memcpy: 1e5 }, { cudaStreamSynchronize: 50e6 })]), [['C3', 5]]));
    expect(r.findings.map(key)).toEqual(['C3 train.py:train:44']);
    expect(r.findings[0]!.localizedBy).toBe('callchain');
    expect(r.findings[0]!.impact.msPerIter).toBe(5);
    expect(r.unconfirmed.map(key)).toContain('C3 train.py:evaluate:17');
  });

  it('needs the right kind of event on the line: launches alone do not confirm a copy pattern', () => {
    const to = match('C4.to-device-in-loop', 'train.py', 'train', 37);
    const r = detect(input([to], attribution([site('train.py', 37, 'train', { launch: 30e6 })]), [['C4', 5]]));
    expect(r.findings).toEqual([]);
    expect(r.unconfirmed.map(key)).toEqual(['C4 train.py:train:37']);
  });

  it('reports a costly sync site no pattern explains, at the line the stack names', () => {
    const r = detect(input([], attribution([site('train.py', 37, 'train_one_epoch', { sync: 40e6 }, { cudaStreamSynchronize: 40e6 })]), [['C3', 4]]));
    expect(r.findings.map((f) => `${f.pattern} ${key(f)}`)).toEqual(['C3.sync-site C3 train.py:train_one_epoch:37']);
  });
});

describe('detect with Python stacks (function-level frames)', () => {
  const fn: DetectInput['functionSpan'] = (file, name) => (file === 'train.py' && name === 'train_step' ? [22, 32, 0] : undefined);
  const header = site('train.py', 22, 'train_step', { sync: 12e6, op: 20e6, launch: 8e6 }, { 'aten::item': 14e6, cudaStreamSynchronize: 12e6, 'aten::mm': 6e6 }, 'python-stack');

  it('lets the function header site speak for a line whose pattern produced the events it holds', () => {
    const item = match('C3.item-sync', 'train.py', 'train_step', 29);
    const r = detect(input([item], attribution([header], true, ['python-stack']), [['C3', 1.2]], { functionSpan: fn }));
    expect(r.findings.map(key)).toEqual(['C3 train.py:train_step:29']);
    // the function's other events (aten::mm) are not this line's
    expect(r.findings[0]!.impact.msPerIter).toBeLessThanOrEqual(1.4);
    // the header line itself is claimed: no extra C3.sync-site at line 22
    expect(r.findings.some((f) => f.line === 22)).toBe(false);
  });

  it('does not confirm a pattern whose events the function never produced, nor a periodic line', () => {
    const cpu = match('C3.cpu-sync', 'train.py', 'train_step', 30);
    const logItem = match('C3.item-sync', 'train.py', 'train_step', 31);
    const r = detect(input([cpu, logItem], attribution([header], true, ['python-stack']), [['C3', 1.2]], { functionSpan: fn, periodic: (m) => m.line === 31 }));
    expect(r.findings.filter((f) => f.line !== 22).map(key)).toEqual([]);
    expect(r.unconfirmed.map(key).sort()).toEqual(['C3 train.py:train_step:30', 'C3 train.py:train_step:31']);
  });
});

describe('detect with Python stacks: a function header has no per-line Python time', () => {
  it('does not hand a function\'s whole Python time to one pure-Python line of it', () => {
    const fn: DetectInput['functionSpan'] = () => [22, 40, 0];
    const hdr = site('train.py', 22, 'train_step', { python: 80e6 }, { train_step: 80e6 }, 'python-stack');
    const json = match('C7.serialization-hot', 'train.py', 'train_step', 35);
    const r = detect(input([json], attribution([hdr], true, ['python-stack']), [['C7', 3]], { functionSpan: fn }));
    expect(r.findings).toEqual([]);
    expect(r.unconfirmed.map(key)).toEqual(['C7 train.py:train_step:35']);
  });
});

describe('detect without stacks (catalogue on the hot path)', () => {
  it('splits the measured category cost over hot matches; cold and periodic matches stay unconfirmed', () => {
    const perStep = match('C3.item-sync', 'train.py', 'main', 41);
    const logged = match('C3.item-sync', 'train.py', 'main', 44);
    const cold = match('C3.cpu-sync', 'train.py', 'evaluate', 16, { inHotPath: false, inLoop: true });
    const r = detect(input([perStep, logged, cold], attribution([], false), [['C3', 6]], { periodic: (m) => m.line === 44 }));
    expect(r.findings.map(key)).toEqual(['C3 train.py:main:41']);
    expect(r.findings[0]!.localizedBy).toBe('catalogue');
    expect(r.findings[0]!.impact.msPerIter).toBe(6);
    expect(r.unconfirmed.map(key).sort()).toEqual(['C3 train.py:evaluate:16', 'C3 train.py:main:44']);
  });

  it('reports nothing when the category costs under the minimum share', () => {
    const to = match('C4.to-device-in-loop', 'train.py', 'main', 35);
    const r = detect(input([to], attribution([], false), [['C4', 0.05]]));
    expect(r.findings).toEqual([]);
  });

  it('a DataLoader that no hot loop iterates is not confirmed by the host-bound signal', () => {
    const train = match('C1.dataloader-workers', 'data.py', 'make_loader', 30, { inLoop: false });
    const val = match('C1.dataloader-workers', 'data.py', 'make_val_loader', 35, { inLoop: false, inHotPath: false });
    const r = detect(input([train, val], attribution([], false), [['C1', 8]]));
    expect(r.findings.map(key)).toEqual(['C1 data.py:make_loader:30']);
  });
});

describe('detect: per-sample Python work in an nsys profile without Python sampling', () => {
  it('judges a C7 match in a collate function the stacks show running by the host-bound signal', () => {
    const loop = match('C7.per-sample-getitem', 'data.py', 'collate', 48);
    // main is seen too, but is not per-sample, and a reopened file makes OS calls its own line would show
    const json = match('C7.reopen-per-call', 'train.py', 'main', 46);
    const attr = attribution([site('data.py', 44, 'collate', { runtime: 6e4 })], true, ['callchain'], [siteKey('train.py', 35)]);
    const span: DetectInput['functionSpan'] = (file, name) => (name === 'collate' ? [43, 51, 0] : name === 'main' ? [20, 50, 0] : undefined);
    const r = detect(input([loop, json], attr, [['C7', 30]], { functionSpan: span }));
    expect(r.findings.map(key)).toEqual(['C7 data.py:collate:48']);
    expect(r.unconfirmed.map(key)).toContain('C7 train.py:main:46');
  });
});

describe('detect reads each pattern\'s facts from its catalogue entry', () => {
  it('a CPU-only profile leaves the patterns that need a GPU unconfirmed and judges the others', () => {
    const pin = match('C1.dataloader-pin-memory', 'data.py', 'make_loader', 30, { inLoop: false });
    const workers = match('C1.dataloader-workers', 'data.py', 'make_loader', 30, { inLoop: false });
    const fp32 = match('C5.fp32-no-autocast', 'train.py', 'main', 40);
    const r = detect(input([pin, workers, fp32], attribution([], false), [['C1', 5], ['C5', 5]], { gpu: false }));
    expect(r.findings.map((f) => f.pattern)).toEqual(['C1.dataloader-workers']);
    const why = new Map(r.unconfirmed.map((f) => [f.pattern, f.evidence[0]!.kind === 'profile' ? f.evidence[0]!.summary : '']));
    expect(why.get('C1.dataloader-pin-memory')).toMatch(/no GPU activity/);
    expect(why.get('C5.fp32-no-autocast')).toMatch(/no GPU activity/);
  });

  it('a pattern measured by its category is judged by the category cost even when the profile has stacks', () => {
    // DDP settings are built once: their line holds no time, the communication cost speaks for them
    const ddp = match('C6.ddp-find-unused', 'train.py', 'setup', 12, { inHotPath: false, inLoop: false });
    const r = detect(input([ddp], attribution([site('train.py', 50, 'train', { sync: 40e6 })]), [['C6', 4]]));
    expect(r.findings.filter((f) => f.pattern === 'C6.ddp-find-unused').map((f) => f.localizedBy)).toEqual(['catalogue']);
  });
});

describe('a cost paid on later lines (a memory map opened per call)', () => {
  const mapped = (count: number) => {
    const s = site('train.py', 16, 'get_batch', { python: 0.5e6 }, { 'py:memmap': 0.5e6 }, 'python-stack'); // 0.05 ms/iter: 0.25% of 20 ms
    s.count.python = count;
    return attribution([s], true, ['python-stack']);
  };
  const deferredCost = 'a memory map opened per call faults its pages in again where it is read';
  it('is confirmed below the threshold when its line runs every iteration, with its own time as a lower bound', () => {
    const r = detect(input([match('C7.reopen-per-call', 'train.py', 'get_batch', 16, { deferredCost })], mapped(10), [], { gpu: false }));
    expect(r.findings.map(key)).toEqual(['C7 train.py:get_batch:16']);
    expect(r.findings[0]!.confidence).toBe(0.6);
    expect(r.findings[0]!.impact.msPerIter).toBe(0.05);
    expect(r.findings[0]!.evidence.some((e) => e.kind === 'profile' && /every iteration; a memory map .* lower bound/.test(e.summary))).toBe(true);
  });
  it('stays unconfirmed without a deferred cost, or when its line does not run every iteration', () => {
    expect(detect(input([match('C7.reopen-per-call', 'train.py', 'get_batch', 16)], mapped(10), [], { gpu: false })).findings).toEqual([]);
    expect(detect(input([match('C7.reopen-per-call', 'train.py', 'get_batch', 16, { deferredCost })], mapped(4), [], { gpu: false })).findings).toEqual([]);
  });
});
