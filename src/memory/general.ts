// Lessons that hold across repositories: every trial is also recorded in a per-user ledger
// ($SYSIGHT_HOME, default ~/.sysight; "off" disables it), and a pattern accepted in at least two different
// repositories gets a general page in $SYSIGHT_HOME/wiki/general/, read like any wiki page.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CATEGORY_NAMES } from '../core/findings.js';
import { appendJsonLine, readJsonLines } from '../core/json-lines.js';
import { writeAtomic } from '../core/write-atomic.js';
import { scrubSecrets } from '../core/secrets.js';
import type { LedgerEntry } from './ledger.js';
import { SYSIGHT_DIR } from '../core/run.js';

export interface GlobalEntry extends LedgerEntry {
  repo: string;
  rationale?: string;
}

/** The per-user Sysight folder, or null when disabled. */
export function sysightHome(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env.SYSIGHT_HOME;
  if (v === 'off' || v === '0') return null;
  return v && v.trim() ? v : join(homedir(), SYSIGHT_DIR);
}

export function readGlobalLedger(home: string): GlobalEntry[] {
  return readJsonLines<GlobalEntry>(join(home, 'ledger.jsonl'), (e) => typeof e.pattern === 'string' && typeof e.repo === 'string');
}

/** Records a trial in the per-user ledger and refreshes the general page of its pattern; returns that page's path when one exists. */
export function recordGlobal(home: string | null, e: GlobalEntry): string | null {
  if (!home) return null;
  appendJsonLine(join(home, 'ledger.jsonl'), { ...e, reason: scrubSecrets(e.reason) });
  return promote(home, e.pattern);
}

/** Writes the general page of a pattern when it was accepted in ≥2 repositories; returns its path or null. */
export function promote(home: string, pattern: string): string | null {
  const all = readGlobalLedger(home).filter((x) => x.pattern === pattern);
  const wins = all.filter((x) => x.verdict === 'accepted' || x.verdict === 'user-accepted');
  const repos = [...new Set(wins.map((x) => x.repo))];
  if (repos.length < 2) return null;
  const losses = all.filter((x) => x.verdict === 'rejected');
  const speedups = wins.map((x) => x.speedup).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  const med = speedups.length ? speedups[speedups.length >> 1]! : null;
  const cat = wins[0]!.category;
  const dir = join(home, 'wiki', 'general');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${pattern.toLowerCase().replace(/[^a-z0-9.]+/g, '-')}.md`);
  const pct = (x: number | null) => (x === null ? 'not measured' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
  writeAtomic(path, [
    `# ${pattern} (general lesson)`, '',
    `Category: ${cat} ${CATEGORY_NAMES[cat]}. Accepted in ${repos.length} repositories (${wins.length} trial(s)), rejected in ${losses.length}; median measured speed-up ${pct(med)}.`, '',
    ...(wins.find((x) => x.rationale)?.rationale ? [`**Why it works:** ${scrubSecrets(wins.find((x) => x.rationale)!.rationale!)}`, ''] : []),
    '| repository | file | verdict | speed-up | run |', '|---|---|---|---:|---|',
    ...all.map((x) => `| ${x.repo} | ${x.file} | ${x.verdict} | ${pct(x.speedup)} | ${x.runId} |`), '',
  ].join('\n'));
  return path;
}
