import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendLedger, knownWins, ledgerPath, priorVerdict, readLedger, type LedgerEntry } from './ledger.js';
import { readWiki, searchWiki, writeLesson, type Lesson } from './wiki.js';

const dirs: string[] = [];
function repo(): string {
  const d = mkdtempSync(join(tmpdir(), 'sysight-mem-'));
  dirs.push(d);
  return d;
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function entry(over: Partial<LedgerEntry>): LedgerEntry {
  return {
    ts: '2026-01-01T00:00:00Z', runId: 'r1', round: 1, fingerprint: 'C7|train.py|get_batch|C7.memmap-reopen', category: 'C7',
    pattern: 'C7.memmap-reopen', file: 'train.py', codeHash: 'h1', patchHash: 'p1', verdict: 'accepted', reason: 'ok',
    speedup: 0.1, interval: { low: 0.05, high: 0.15, level: 0.95 }, ...over,
  };
}

describe('ledger', () => {
  it('appends, reads back and skips a torn last line', () => {
    const r = repo();
    appendLedger(r, entry({}));
    appendLedger(r, entry({ verdict: 'rejected', fingerprint: 'x', reason: 'numerics changed' }));
    appendFileSync(ledgerPath(r), '{"ts": "2026-01-0');
    const got = readLedger(r);
    expect(got).toHaveLength(2);
    expect(got[1]!.reason).toBe('numerics changed');
  });
  it('skips a patch that failed for the same fingerprint and code, not for changed code', () => {
    const es = [entry({ verdict: 'rejected', reason: 'not above 1%' })];
    expect(priorVerdict(es, 'C7|train.py|get_batch|C7.memmap-reopen', 'h1').skip).toBe(true);
    expect(priorVerdict(es, 'C7|train.py|get_batch|C7.memmap-reopen', 'h2').skip).toBe(false);
    expect(priorVerdict([entry({})], 'C7|train.py|get_batch|C7.memmap-reopen', 'h1').skip).toBe(false);
  });
  it('keeps inconclusive trials as inconclusive and retries them with a doubled budget each time', () => {
    const fp = 'C7|train.py|get_batch|C7.memmap-reopen';
    const inc = entry({ verdict: 'inconclusive', reason: 'speed-up +2.0% [\u22121.0%, +5.0%] undecided' });
    const r = repo();
    appendLedger(r, inc);
    expect(readLedger(r)[0]!.verdict).toBe('inconclusive');
    const once = priorVerdict(readLedger(r), fp, 'h1');
    expect(once).toMatchObject({ skip: false, budgetFactor: 2 });
    expect(once.reason).toBe('inconclusive 1 time(s) before on the same code: retried with 2x the time budget');
    expect(priorVerdict([inc, inc], fp, 'h1').budgetFactor).toBe(4);
    expect(priorVerdict([inc, inc, inc, inc, inc], fp, 'h1').budgetFactor).toBe(8);
    expect(priorVerdict([inc], fp, 'h2')).toMatchObject({ skip: false, budgetFactor: 1, reason: '' });
    // a later rejection on the same code still ends the retries
    expect(priorVerdict([inc, entry({ verdict: 'rejected' })], fp, 'h1').skip).toBe(true);
  });
  it('ranks known wins by pattern', () => {
    const w = knownWins([entry({}), entry({ speedup: 0.3 }), entry({ pattern: 'C5.x', verdict: 'rejected' })]);
    expect(w.get('C7.memmap-reopen')).toEqual({ wins: 2, meanSpeedup: 0.2 });
    expect(w.has('C5.x')).toBe(false);
  });
  it('never writes secrets', () => {
    const r = repo();
    appendLedger(r, entry({ reason: 'failed: api_key=sk-abcdefghijklmnopqrstuvwxyz Bearer abcdefghijkl' }));
    const text = readFileSync(ledgerPath(r), 'utf8');
    expect(text).not.toContain('sk-abcdefghijklmnop');
    expect(text).not.toContain('Bearer abcdefghijkl');
  });
});

describe('wiki', () => {
  const lesson: Lesson = {
    fingerprint: 'f', category: 'C7', pattern: 'C7.memmap-reopen', file: 'train.py', function: 'get_batch', verdict: 'accepted',
    speedup: 0.12, interval: { low: 0.08, high: 0.16, level: 0.95 }, reason: 'faster', runId: 'r1', lesson: 'open the memmap once', patch: '-a\n+b\n',
  };
  it('writes a readable page and an index, and finds it by keywords', () => {
    const r = repo();
    const path = writeLesson(r, lesson);
    writeLesson(r, { ...lesson, pattern: 'C5.recomputed-constant', function: 'forward', lesson: 'cache torch.arange', verdict: 'rejected', speedup: 0.001 });
    expect(readFileSync(path, 'utf8')).toContain('# C7.memmap-reopen: accepted in `train.py` (get_batch)');
    expect(readFileSync(join(r, '.sysight/wiki/index.md'), 'utf8')).toContain('| accepted | +12.0% |');
    const pages = readWiki(r);
    expect(pages).toHaveLength(2);
    expect(pages[0]!.meta.pattern).toBeDefined();
    const hits = searchWiki(pages, 'memmap get_batch');
    expect(hits[0]!.page.meta.pattern).toBe('C7.memmap-reopen');
    expect(searchWiki(pages, 'arange')[0]!.page.meta.pattern).toBe('C5.recomputed-constant');
    expect(searchWiki(pages, 'nothing-like-this')).toEqual([]);
  });
});
