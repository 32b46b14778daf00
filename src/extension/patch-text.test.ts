import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { PatchPlan } from '../core/run.js';
import { appendLedger, ledgerLine, patchedText, sha256 } from './patch-text.js';
import { priorVerdict, readLedger } from '../memory/ledger.js';
import { findTrial, loadPatch, loadRuns } from './model.js';

const fixture = join(process.cwd(), 'test', 'fixtures', 'workspace');
const original = readFileSync(join(fixture, 'train.py'), 'utf8');
const run = loadRuns(fixture).runs[0]!;

describe('patched text', () => {
  it('applies the verified diff to the unchanged file', () => {
    const out = patchedText(loadPatch(run, 'p1'), original);
    expect(out).toContain('losses.append(loss.detach())\n    return [l.item() for l in losses]\n');
    expect(out).not.toContain('loss.item())');
    expect(out.split('\n')).toHaveLength(original.split('\n').length);
  });

  it('refuses when the file changed since verification (hash), naming the file and the patch', () => {
    const plan = loadPatch(run, 'p1');
    expect(plan.baseHash).toBe(sha256(original));
    const edited = `# a comment\n${original}`;
    expect(() => patchedText(plan, edited)).toThrow(UserError);
    expect(() => patchedText(plan, edited)).toThrow('train.py changed since patch p1 was verified; re-run the analysis to get a fresh patch');
  });

  it('refuses by context when no hash is known and the lines moved under the patch', () => {
    const plan: PatchPlan = { ...loadPatch(run, 'p1'), baseHash: '' };
    // a harmless change elsewhere still applies (the diff's context is intact)
    expect(patchedText(plan, `# header\n${original}`)).toContain('loss.detach()');
    const edited = original.replace('losses.append(loss.item())', 'losses.append(float(loss))');
    expect(() => patchedText(plan, edited)).toThrow('patch p1 no longer applies to train.py (its context changed)');
  });

  it('writes one ledger line per verdict with the measured delta', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysight-ledger-'));
    try {
      const plan = loadPatch(run, 'p2');
      const now = new Date('2026-11-25T10:00:00Z');
      const file = appendLedger(dir, ledgerLine(run.id, plan, findTrial(run.record, 'p2'), 'user-rejected', 'not now', now));
      appendLedger(dir, ledgerLine(run.id, loadPatch(run, 'p1'), findTrial(run.record, 'p1'), 'user-accepted', 'ok', now));
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(file).toBe(join(dir, '.sysight', 'ledger.jsonl'));
      expect(lines[0]).toEqual({
        ts: '2026-11-25T10:00:00.000Z', runId: 'r1-demo', round: 0, patchId: 'p2', fingerprint: 'C1:train.py:make_loader:dataloader-workers',
        category: plan.category, file: plan.file, codeHash: plan.baseHash,
        pattern: 'C1.dataloader-num-workers', patchHash: sha256(plan.diff), speedup: 0.06,
        interval: { low: 0.031, high: 0.088, level: 0.95 }, verdict: 'user-rejected', reason: 'not now',
      });
      expect(lines[1]).toMatchObject({ patchId: 'p1', verdict: 'user-accepted', speedup: 0.138 });
      // the loop reads the editor's verdicts: a rejected patch is not tried again on the same code
      expect(priorVerdict(readLedger(dir), plan.findingId, plan.baseHash).skip).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
