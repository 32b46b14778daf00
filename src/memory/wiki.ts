// .sysight/wiki/: one Markdown page per lesson (a person can read and edit them) plus index.md.
// Retrieval ranks pages with BM25 over their text; the planner and LLM stages read the best ones.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { CATEGORY_NAMES, type Category } from '../core/findings.js';
import { SYSIGHT_DIR, type Interval } from '../core/run.js';
import { writeAtomic } from '../core/write-atomic.js';
import { scrubSecrets } from '../core/secrets.js';

export interface Lesson {
  fingerprint: string;
  category: Category;
  pattern: string;
  file: string;
  function: string;
  verdict: string;
  speedup: number | null;
  interval: Interval | null;
  reason: string;
  runId: string;
  /** the patch (unified diff), when there was one */
  patch?: string;
  /** free text: what was learned */
  lesson: string;
}

export interface WikiPage {
  slug: string;
  path: string;
  /** a trial record (Lesson fields), or a learned lesson (kind: lesson, see lessons.ts) */
  meta: Partial<Lesson> & { updated?: string; kind?: string; title?: string; appliesTo?: string; effect?: string; evidence?: Array<{ speedup?: number | null }> };
  body: string;
}

export function wikiDir(repo: string): string {
  return join(repo, SYSIGHT_DIR, 'wiki');
}

export function slugFor(l: Pick<Lesson, 'pattern' | 'file' | 'function'>): string {
  return `${l.pattern}--${l.file}--${l.function}`.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-|-$/g, '').slice(0, 120);
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? 'not measured' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

export function renderLesson(l: Lesson, updated: string): string {
  const meta = {
    fingerprint: l.fingerprint, category: l.category, pattern: l.pattern, file: l.file, function: l.function,
    verdict: l.verdict, speedup: l.speedup, interval: l.interval, run: l.runId, updated,
  };
  const iv = l.interval ? ` [${pct(l.interval.low)}, ${pct(l.interval.high)}]` : '';
  return [
    '---', YAML.stringify(meta).trimEnd(), '---', '',
    `# ${l.pattern}: ${l.verdict} in \`${l.file}\` (${l.function})`, '',
    `Category: ${l.category} ${CATEGORY_NAMES[l.category]}. Measured effect: ${pct(l.speedup)}${iv}.`, '',
    `**Why:** ${scrubSecrets(l.reason)}`, '',
    `**Lesson:** ${scrubSecrets(l.lesson)}`, '',
    ...(l.patch ? ['```diff', l.patch.trimEnd(), '```', ''] : []),
  ].join('\n');
}

export function parsePage(path: string, slug: string): WikiPage {
  const text = readFileSync(path, 'utf8');
  const m = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(text);
  if (!m) return { slug, path, meta: {}, body: text };
  let meta: WikiPage['meta'] = {};
  try {
    meta = (YAML.parse(m[1]!) ?? {}) as WikiPage['meta'];
  } catch {
    // a person edited the front matter into something else: keep the body searchable
  }
  return { slug, path, meta, body: m[2]! };
}

export function readWiki(repo: string): WikiPage[] {
  const dir = wikiDir(repo);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'index.md')
    .sort()
    .map((f) => parsePage(join(dir, f), f.slice(0, -3)));
}

/** Writes (or rewrites) the lesson's page and the index; returns the page path. */
export function writeLesson(repo: string, l: Lesson, now = new Date()): string {
  const dir = wikiDir(repo);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${slugFor(l)}.md`);
  writeAtomic(path, renderLesson(l, now.toISOString()));
  writeIndex(repo);
  return path;
}

export function writeIndex(repo: string): void {
  const pages = readWiki(repo);
  const lines = ['# Sysight knowledge base', '', 'One page per lesson; edit freely. The next run reads them.', '',
    '| page | category | verdict | effect |', '|---|---|---|---:|'];
  for (const p of pages) {
    if (p.meta.kind === 'lesson') {
      // a learned lesson: what it applies to, its effect, the best measured speed-up among its trials
      const s = (p.meta.evidence ?? []).map((e) => e.speedup).filter((x): x is number => typeof x === 'number');
      const cell = (v: unknown) => String(v ?? '').replace(/[|\n]/g, ' ');
      lines.push(`| [${p.slug}](${p.slug}.md) ${cell(p.meta.title)} | ${cell(p.meta.appliesTo)} | lesson: ${cell(p.meta.effect)} | ${pct(s.length ? Math.max(...s) : null)} |`);
      continue;
    }
    lines.push(`| [${p.slug}](${p.slug}.md) | ${p.meta.category ?? ''} | ${p.meta.verdict ?? ''} | ${pct(p.meta.speedup ?? null)} |`);
  }
  writeAtomic(join(wikiDir(repo), 'index.md'), lines.join('\n') + '\n');
}

function tokenize(s: string): string[] {
  return s.toLowerCase().split(/[^a-z0-9_]+/).filter((t) => t.length > 1);
}

/** BM25 ranking of pages for a query (k1=1.2, b=0.75). */
export function searchWiki(pages: readonly WikiPage[], query: string, limit = 5): Array<{ page: WikiPage; score: number }> {
  const q = [...new Set(tokenize(query))];
  if (!q.length || !pages.length) return [];
  const docs = pages.map((p) => tokenize(`${p.slug} ${YAML.stringify(p.meta)} ${p.body}`));
  const avg = docs.reduce((a, d) => a + d.length, 0) / docs.length;
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  const scored = docs.map((d, i) => {
    const tf = new Map<string, number>();
    for (const t of d) tf.set(t, (tf.get(t) ?? 0) + 1);
    let s = 0;
    for (const t of q) {
      const f = tf.get(t) ?? 0;
      if (!f) continue;
      const idf = Math.log(1 + (docs.length - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5));
      s += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * d.length) / avg));
    }
    return { page: pages[i]!, score: s };
  });
  return scored.filter((x) => x.score > 0).sort((a, b) => b.score - a.score).slice(0, limit);
}
