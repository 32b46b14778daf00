// Learned lessons: wiki pages written by the learn stage (an LLM reading a round's trials), next to the
// per-trial record pages of wiki.ts. A lesson names what it applies to and cites the trials it rests on;
// each citation carries the measured facts, so a reader can check the lesson against them. Rewriting a
// lesson keeps the evidence it cited before. Every text is scrubbed of secrets on the way in.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { Interval } from '../core/run.js';
import { writeAtomic } from '../core/write-atomic.js';
import { scrubSecrets } from '../core/secrets.js';
import { parsePage, pct, wikiDir, writeIndex } from './wiki.js';

export const LESSON_EFFECTS = ['speedup', 'no-gain', 'slowdown', 'failed', 'mixed', 'untested'] as const;
export type LessonEffect = (typeof LESSON_EFFECTS)[number];

/** One trial a lesson cites, with what was measured. */
export interface LessonEvidence {
  /** the trial's id within its run ("t<round>.<n>") */
  trial: string;
  runId: string;
  round: number;
  patchId: string;
  pattern: string;
  file: string;
  verdict: string;
  speedup: number | null;
  interval: Interval | null;
}

export interface LearnedLesson {
  /** the page id (file name without .md) */
  page: string;
  title: string;
  text: string;
  /** the finding patterns it applies to: "C7.element-loop", "C3.*", "llm.C6" */
  appliesTo: string;
  effect: LessonEffect;
  evidence: LessonEvidence[];
  /** who wrote it: "llm <provider> <model>" */
  by: string;
}

/** Page ids a lesson may use: lower-case words, digits, dots and dashes; never a path. */
export function validPageId(id: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{0,99}$/.test(id) && !id.includes('..') && id !== 'index';
}

export function lessonPath(repo: string, page: string): string {
  if (!validPageId(page)) throw new Error(`invalid page id ${JSON.stringify(page)}`);
  return join(wikiDir(repo), `${page}.md`);
}

/** What is on disk at a page id: nothing, a learned lesson (its evidence), or another kind of page. */
export function existingPage(repo: string, page: string): { kind: 'none' } | { kind: 'lesson'; evidence: LessonEvidence[] } | { kind: 'other' } {
  const path = lessonPath(repo, page);
  if (!existsSync(path)) return { kind: 'none' };
  const p = parsePage(path, page);
  if (p.meta.kind !== 'lesson') return { kind: 'other' };
  return { kind: 'lesson', evidence: Array.isArray(p.meta.evidence) ? (p.meta.evidence as LessonEvidence[]) : [] };
}

function evidenceLine(e: LessonEvidence): string {
  const iv = e.interval ? ` [${pct(e.interval.low)}, ${pct(e.interval.high)}]` : '';
  return `| ${e.runId} | ${e.trial} | ${e.patchId || '—'} | ${e.pattern} | \`${e.file}\` | ${e.verdict} | ${pct(e.speedup)}${iv} |`;
}

export function renderLearnedLesson(l: LearnedLesson, updated: string): string {
  const meta = { kind: 'lesson', title: scrubSecrets(l.title), appliesTo: scrubSecrets(l.appliesTo), effect: l.effect, by: scrubSecrets(l.by), updated, evidence: l.evidence };
  return [
    '---', YAML.stringify(meta).trimEnd(), '---', '',
    `# ${scrubSecrets(l.title)}`, '',
    `Applies to: \`${scrubSecrets(l.appliesTo)}\`. Effect: ${l.effect}. Written by ${scrubSecrets(l.by)}.`, '',
    scrubSecrets(l.text).trim(), '',
    '## Evidence (measured trials)', '',
    '| run | trial | patch | pattern | file | verdict | speed-up |', '|---|---|---|---|---|---|---:|',
    ...l.evidence.map(evidenceLine), '',
  ].join('\n');
}

/**
 * Writes (or updates) a learned lesson's page and the index; returns the page path. An update keeps the
 * evidence the page cited before (other runs' trials). Refuses to overwrite a page that is not a lesson.
 */
export function writeLearnedLesson(repo: string, l: LearnedLesson, now = new Date()): string {
  const path = lessonPath(repo, l.page);
  const prev = existingPage(repo, l.page);
  if (prev.kind === 'other') throw new Error(`${l.page} is a trial record page, not a lesson`);
  const seen = new Set(l.evidence.map((e) => `${e.runId}|${e.trial}`));
  const kept = prev.kind === 'lesson' ? prev.evidence.filter((e) => e && !seen.has(`${e.runId}|${e.trial}`)) : [];
  mkdirSync(wikiDir(repo), { recursive: true });
  writeAtomic(path, renderLearnedLesson({ ...l, evidence: [...kept, ...l.evidence] }, now.toISOString()));
  writeIndex(repo);
  return path;
}
