// The extension ↔ CLI contract's own rules; test/integration/cli-contract.test.ts runs the real CLI on what it builds.
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../core/run.js';
import { agentLoopArgs, formatFindingIds, formatProgressLine, optimizeArgs, parseFindingIds, parseProgressLine } from './cli.js';

describe('extension ↔ CLI contract', () => {
  it('passes the selected findings as --findings, and nothing when none is selected', () => {
    const base = { runId: 'r1', repo: '/r', python: '/py', runs: 3 };
    expect(optimizeArgs({ ...base, findingIds: ['C3|a.py|f|C3.item-sync|1234abcd', 'C4|b.py|g|C4.to-device-in-loop|00ff00ff'] })).toEqual([
      'optimize', 'r1', '--repo', '/r', '--python', '/py', '--runs', '3', '--findings', 'C3|a.py|f|C3.item-sync|1234abcd,C4|b.py|g|C4.to-device-in-loop|00ff00ff',
    ]);
    expect(optimizeArgs({ ...base, findingIds: [] })).not.toContain('--findings');
    expect(optimizeArgs(base)).not.toContain('--findings');
    expect(agentLoopArgs({ repo: '/r', python: '/py', runs: 3, rounds: 2, minGain: 0.01 })).toEqual(
      ['agent-loop', '--repo', '/r', '--python', '/py', '--rounds', '2', '--runs', '3', '--min-gain', '0.01']);
  });

  it('reads back the finding ids it writes; refuses an id that cannot travel', () => {
    const ids = ['C3|train.py|train|C3.item-sync|1234abcd', 'C7|data.py|collate|C7.per-sample-getitem|feedbeef'];
    expect(parseFindingIds(formatFindingIds(ids))).toEqual(ids);
    expect(parseFindingIds(' a , ,b,a ')).toEqual(['a', 'b']);
    expect(parseFindingIds(' , ')).toBeNull();
    expect(() => formatFindingIds(['a,b'])).toThrow(/comma/);
    expect(() => formatFindingIds([' '])).toThrow(/empty/);
  });

  it('reads back the progress lines the CLI writes', () => {
    const e: ProgressEvent = { stage: 'execute', message: 'measuring p1 [3/5]' };
    expect(parseProgressLine(formatProgressLine(e))).toEqual(e);
    expect(parseProgressLine('{"stage":"execute","message":"measuring","fraction":0.25}')).toEqual({ stage: 'execute', message: 'measuring', fraction: 0.25 });
    // an unknown stage is not a stage: the line is shown as it is
    expect(parseProgressLine('[nonsense] x')).toEqual({ stage: 'analyze', message: '[nonsense] x' });
    expect(parseProgressLine('sysight: error: run r9 not found')).toEqual({ stage: 'analyze', message: 'run r9 not found' });
  });
});
