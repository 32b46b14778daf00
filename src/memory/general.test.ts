import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readGlobalLedger, recordGlobal, sysightHome, type GlobalEntry } from './general.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function entry(repo: string, over: Partial<GlobalEntry> = {}): GlobalEntry {
  return {
    ts: '2026-01-01T00:00:00Z', runId: 'r', round: 1, fingerprint: 'f', category: 'C7', pattern: 'C7.element-loop', file: 'train.py',
    codeHash: 'h', patchHash: 'p', verdict: 'accepted', reason: 'ok', speedup: 0.5, interval: null, repo, rationale: 'vectorize it', ...over,
  };
}

describe('general lessons', () => {
  it('promote a pattern accepted in two repositories, not in one', () => {
    const home = mkdtempSync(join(tmpdir(), 'sysight-home-'));
    dirs.push(home);
    expect(recordGlobal(home, entry('/a'))).toBeNull();
    expect(recordGlobal(home, entry('/a', { speedup: 0.4 }))).toBeNull();
    const page = recordGlobal(home, entry('/b', { speedup: 0.6 }));
    expect(page).toBe(join(home, 'wiki', 'general', 'c7.element-loop.md'));
    const text = readFileSync(page!, 'utf8');
    expect(text).toContain('Accepted in 2 repositories (3 trial(s))');
    expect(text).toContain('median measured speed-up +50.0%');
    expect(text).toContain('**Why it works:** vectorize it');
    expect(readGlobalLedger(home)).toHaveLength(3);
  });
  it('can be switched off', () => {
    expect(sysightHome({ SYSIGHT_HOME: 'off' })).toBeNull();
    expect(recordGlobal(null, entry('/a'))).toBeNull();
    expect(sysightHome({ SYSIGHT_HOME: '/x/y' })).toBe('/x/y');
    expect(existsSync(join('/x/y'))).toBe(false);
  });
});
