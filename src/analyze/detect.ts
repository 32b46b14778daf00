// C1–C7 detection: profile evidence first, then localization. A catalogue match becomes a finding only
// when the profile supports it: through a stack (callchain / Python frames) that puts measured cost on
// its very line, or — when the profile has no stacks — through its category's measured cost together
// with the match being on the hot path. Everything else goes to `unconfirmed`.
import { CATEGORY_NAMES, type Category, type Evidence, type Finding, type Severity } from '../core/findings.js';
import type { CatalogueMatch } from '../source/catalogue-types.js';
import { siteKey, type Attribution, type CostKind, type SiteCost } from './attribution.js';

/** Measured cost of one category over the profile, per iteration. */
export interface CategorySignal {
  category: Category;
  msPerIter: number;
  evidence: Evidence[];
}

export interface DetectInput {
  matches: CatalogueMatch[];
  attribution: Attribution;
  signals: Map<Category, CategorySignal>;
  /** iteration time (ms) and number of iterations in the profile window */
  iterMs: number | null;
  iterations: number;
  /** ms of profile per iteration divisor (iterations, or 1 when none were detected) */
  perIterDivisor: number;
  /** functions whose time NVTX ranges measured: qualified function → ms/iter */
  nvtxFunctionMs: Map<string, number>;
  /** minimum share of the iteration (0..1) for a category or a site to count */
  minShare: number;
}

/** Which attributed costs speak for a category's patterns. */
const KINDS: Record<Category, CostKind[]> = {
  C1: ['python', 'runtime'],
  C2: ['launch', 'op'],
  C3: ['sync'],
  C4: ['memcpy', 'sync'],
  C5: ['op', 'launch', 'python'],
  C6: ['sync', 'launch', 'runtime'],
  C7: ['python', 'runtime', 'op'],
};

/** Patterns whose line runs once (construction) while their cost shows up every iteration elsewhere. */
const CONSTRUCTION = /^C1\.|^C6\.(ddp|fsdp|bucket|find-unused)/;

function severityOf(share: number): Severity {
  return share >= 0.2 ? 'critical' : share >= 0.08 ? 'high' : share >= 0.02 ? 'medium' : 'low';
}

export function fingerprint(category: Category, file: string, fn: string, pattern: string): string {
  return `${category}|${file}|${fn}|${pattern}`;
}

function siteMs(site: SiteCost, kinds: CostKind[], divisor: number): number {
  // Python frame time already contains the operators and runtime calls made on the line: never add both.
  const nonPy = kinds.filter((k) => k !== 'python').reduce((a, k) => a + site.ns[k], 0);
  const py = kinds.includes('python') ? site.ns.python : 0;
  return Math.max(nonPy, py) / 1e6 / divisor;
}

function topNames(site: SiteCost, n = 4): string {
  return [...site.names].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k} ${(v / 1e6).toFixed(2)} ms`).join(', ');
}

export function detect(input: DetectInput): { findings: Finding[]; unconfirmed: Finding[] } {
  const { attribution, signals, iterMs, perIterDivisor, minShare } = input;
  const findings: Finding[] = [];
  const unconfirmed: Finding[] = [];
  const share = (ms: number) => (iterMs && iterMs > 0 ? ms / iterMs : 0);
  const enough = (ms: number) => (iterMs ? share(ms) >= minShare : ms >= 0.05);

  const make = (m: CatalogueMatch, ms: number, confidence: number, by: Finding['localizedBy'], evidence: Evidence[]): Finding => ({
    id: fingerprint(m.category, m.file, m.function, m.patternId),
    category: m.category,
    pattern: m.patternId,
    title: `${CATEGORY_NAMES[m.category]}: ${m.why}`,
    file: m.file,
    function: m.function,
    line: m.line,
    severity: severityOf(share(ms)),
    impact: { msPerIter: round(ms), pctOfIter: round(share(ms) * 100) },
    confidence: round(confidence),
    localizedBy: by,
    evidence: [...evidence, { kind: 'source', file: m.file, line: m.line, text: m.text, why: m.why }],
  });

  // 1. With stacks: the cost measured on the match's own line decides.
  const byCategoryNoStack = new Map<Category, CatalogueMatch[]>();
  for (const m of input.matches) {
    const site = attribution.sites.get(siteKey(m.file, m.line));
    if (attribution.hasStacks && !CONSTRUCTION.test(m.patternId)) {
      const ms = site ? siteMs(site, KINDS[m.category], perIterDivisor) : 0;
      const ev: Evidence[] = site
        ? [
            { kind: 'profile', query: site.via === 'callchain' ? 'callchain' : 'python-stack', summary: `${ms.toFixed(3)} ms/iter measured on this line (${topNames(site)})`, values: { msPerIter: round(ms), events: Object.values(site.count).reduce((a, b) => a + b, 0) } },
            { kind: 'stack', via: site.via, frames: site.example },
          ]
        : [{ kind: 'profile', query: 'python-stack', summary: 'no measured time on this line in the profiled window' }];
      const sig = signals.get(m.category);
      if (sig && site) ev.push(...sig.evidence.slice(0, 2));
      if (site && enough(ms) && (m.category !== 'C3' || site.ns.sync > 0) && (m.category !== 'C4' || site.ns.memcpy + site.ns.sync > 0)) {
        findings.push(make(m, ms, 0.9, site.via, ev));
      } else {
        unconfirmed.push(make(m, ms, 0.2, site?.via ?? 'catalogue', ev));
      }
      continue;
    }
    const list = byCategoryNoStack.get(m.category) ?? [];
    list.push(m);
    byCategoryNoStack.set(m.category, list);
  }

  // 2. Without stacks (or construction-site patterns): the category's measured cost, split over its hot matches.
  for (const [cat, list] of byCategoryNoStack) {
    const sig = signals.get(cat);
    const hot = list.filter((m) => m.inHotPath || CONSTRUCTION.test(m.patternId));
    const cold = list.filter((m) => !hot.includes(m));
    for (const m of cold) unconfirmed.push(make(m, 0, 0.1, 'catalogue', [{ kind: 'profile', query: 'hot-path', summary: 'not on the hot path found by WARMUP' }]));
    if (!sig || !enough(sig.msPerIter)) {
      for (const m of hot) unconfirmed.push(make(m, 0, 0.2, 'catalogue', [{ kind: 'profile', query: cat, summary: `no ${CATEGORY_NAMES[cat].toLowerCase()} cost in the profile${sig ? ` (${sig.msPerIter.toFixed(3)} ms/iter)` : ''}` }]));
      continue;
    }
    // NVTX: a match inside a function that an NVTX range measured gets that function's time as its bound
    const weights = hot.map((m) => {
      const fnMs = input.nvtxFunctionMs.get(m.function);
      return fnMs !== undefined ? Math.max(fnMs, 0) : 1;
    });
    const total = weights.reduce((a, b) => a + b, 0) || 1;
    hot.forEach((m, i) => {
      const viaNvtx = input.nvtxFunctionMs.has(m.function);
      const ms = Math.min(sig.msPerIter * (weights[i]! / total), viaNvtx ? input.nvtxFunctionMs.get(m.function)! : Infinity);
      const conf = (viaNvtx ? 0.75 : 0.55) + Math.min(0.2, share(sig.msPerIter));
      findings.push(make(m, ms, conf, viaNvtx ? 'nvtx' : 'catalogue', [...sig.evidence.slice(0, 3)]));
    });
  }

  // 3. Costly stack sites no pattern explains: synchronizations and copies are always worth a look.
  const claimed = new Set(findings.map((f) => siteKey(f.file, f.line)));
  for (const site of attribution.sites.values()) {
    const k = siteKey(site.file, site.line);
    if (claimed.has(k)) continue;
    const syncMs = site.ns.sync / 1e6 / perIterDivisor;
    const copyMs = site.ns.memcpy / 1e6 / perIterDivisor;
    const pick: Array<[Category, string, number, string]> = [];
    if (enough(syncMs)) pick.push(['C3', 'C3.sync-site', syncMs, `the CPU waits for the GPU here (${topNames(site)})`]);
    else if (enough(copyMs)) pick.push(['C4', 'C4.copy-site', copyMs, `host↔device copies issued here (${topNames(site)})`]);
    for (const [category, patternId, ms, why] of pick) {
      findings.push(make(
        { patternId, category, file: site.file, function: site.func, line: site.line, column: 1, text: '', why, inHotPath: true, inLoop: true },
        ms, 0.8, site.via,
        [{ kind: 'profile', query: site.via, summary: `${ms.toFixed(3)} ms/iter (${topNames(site)})` }, { kind: 'stack', via: site.via, frames: site.example }],
      ));
    }
  }

  return { findings: dedupe(findings), unconfirmed: dedupe(unconfirmed) };
}

function dedupe(fs: Finding[]): Finding[] {
  const best = new Map<string, Finding>();
  for (const f of fs) {
    const k = `${f.category}|${f.file}|${f.line}`;
    const b = best.get(k);
    if (!b || f.impact.msPerIter > b.impact.msPerIter || (f.impact.msPerIter === b.impact.msPerIter && f.confidence > b.confidence)) best.set(k, f);
  }
  return [...best.values()].sort((a, b) => b.impact.msPerIter - a.impact.msPerIter || b.confidence - a.confidence || a.file.localeCompare(b.file) || a.line - b.line);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
