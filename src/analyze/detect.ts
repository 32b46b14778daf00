// C1–C7 detection: profile evidence first, then localization. A catalogue match becomes a finding only
// when the profile supports it: through a stack (callchain / Python frames) that puts measured cost on
// its very line, or — when the profile has no stacks — through its category's measured cost together
// with the match being on the hot path. Everything else goes to `unconfirmed`.
import { sha256Hex } from '../core/hash.js';
import { CATEGORY_NAMES, type Category, type Evidence, type Finding, type Severity } from '../core/findings.js';
import { catalogueEntry } from '../source/catalogue.js';
import { type CatalogueMatch, type PatternFacts, patternFacts } from '../source/catalogue-types.js';
import { PER_SAMPLE_FN, fitIteration, nestGpuWork, nestLoaderCost, onePerLine } from './apportion.js';
import { siteKey, type Attribution, type CostKind, type SiteCost } from './attribution.js';
import { lineSpread } from './robust.js';

/** Measured cost of one category over the profile, per iteration. */
export interface CategorySignal {
  category: Category;
  msPerIter: number;
  evidence: Evidence[];
  /**
   * matches whose signals name the same group share one pool of measured time (split over them, never counted
   * twice): C1 and C7 share the host-bound idle; the C3 patterns that read a tensor share the reads' waits
   */
  group?: string;
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
  /** the profile has GPU activity */
  gpu: boolean;
  /** lines a match covers (a loop statement covers its body); default: its own line */
  spanOf?: (m: CatalogueMatch) => [number, number];
  /** the match runs once every N iterations (under `if step % N == 0:`) */
  periodic?: (m: CatalogueMatch) => boolean;
  /** lines [def, end] of a function of the repo (qualified name), when known */
  functionSpan?: (file: string, fn: string) => [number, number, number?] | undefined;
  /** measured cost behind one pattern when it is not its category's (e.g. fp32 GEMM time for C5.fp32-no-autocast) */
  patternSignals?: Map<string, CategorySignal>;
}

function severityOf(share: number): Severity {
  return share >= 0.2 ? 'critical' : share >= 0.08 ? 'high' : share >= 0.02 ? 'medium' : 'low';
}

export function fingerprint(category: Category, file: string, fn: string, pattern: string): string {
  return `${category}|${file}|${fn}|${pattern}`;
}

function siteMs(sites: SiteCost[], kinds: readonly CostKind[], divisor: number): number {
  // Python frame time already contains the operators and runtime calls made on the line: never add both.
  let nonPy = 0, py = 0;
  for (const site of sites) {
    nonPy += kinds.filter((k) => k !== 'python').reduce((a, k) => a + site.ns[k], 0);
    if (kinds.includes('python')) py += site.ns.python;
  }
  return Math.max(nonPy, py) / 1e6 / divisor;
}

/** The attributed sites on the lines [a, b] of a file. */
function sitesIn(attribution: Attribution, file: string, a: number, b: number): SiteCost[] {
  const out: SiteCost[] = [];
  if (b - a > 400) b = a + 400;
  for (let l = a; l <= b; l++) {
    const s = attribution.sites.get(siteKey(file, l));
    if (s) out.push(s);
  }
  return out;
}

function topNames(site: SiteCost, n = 4): string {
  return [...site.names].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k} ${(v / 1e6).toFixed(2)} ms`).join(', ');
}

/** What the three phases share: the input, the share and threshold of a cost, and how a finding is made. */
interface Judge {
  input: DetectInput;
  share(ms: number): number;
  enough(ms: number): boolean;
  make(m: CatalogueMatch, ms: number, confidence: number, by: Finding['localizedBy'], evidence: Evidence[]): Finding;
  /** the match's pattern facts (its catalogue entry's, else its category's) */
  facts(m: CatalogueMatch): PatternFacts;
}

interface Verdicts {
  findings: Finding[];
  unconfirmed: Finding[];
}

export function detect(input: DetectInput): Verdicts {
  const j = judge(input);
  const out: Verdicts = { findings: [], unconfirmed: [] };
  // 0. A CPU-only profile cannot support GPU-side patterns.
  const matches: CatalogueMatch[] = [];
  for (const m of input.matches) {
    if (!input.gpu && j.facts(m).needsGpu) {
      out.unconfirmed.push(j.make(m, 0, 0.1, 'catalogue', [{ kind: 'profile', query: 'summary', summary: 'the profile has no GPU activity: this pattern costs nothing measurable without a GPU' }]));
    } else matches.push(m);
  }
  const { byCategory, claimedHeaders } = judgeByLine(j, matches, out);
  judgeByCategory(j, byCategory, out);
  findUnexplainedSites(j, new Set([...out.findings.map((f) => siteKey(f.file, f.line)), ...claimedHeaders]), out);
  const findings = onePerLine(dedupe(out.findings), out.unconfirmed);
  // each ms of the iteration is counted once: nested costs are shown where they are explained best
  const fit = { share: j.share, iterMs: input.iterMs };
  nestLoaderCost(fit, findings);
  if (input.gpu) nestGpuWork(fit, findings);
  fitIteration(fit, findings);
  return { findings: dedupe(findings), unconfirmed: dedupe(out.unconfirmed) };
}

function judge(input: DetectInput): Judge {
  const { iterMs, minShare } = input;
  const share = (ms: number) => (iterMs && iterMs > 0 ? ms / iterMs : 0);
  const facts = new Map<string, PatternFacts>();
  return {
    input,
    share,
    enough: (ms) => (iterMs ? share(ms) >= minShare : ms >= 0.05),
    facts: (m) => {
      let f = facts.get(m.patternId);
      if (!f) facts.set(m.patternId, (f = patternFacts(catalogueEntry(m.patternId) ?? { category: m.category })));
      return f;
    },
    make: (m, ms, confidence, by, evidence) => ({
      // the line's text tells apart two matches of one pattern in one function (x and y batches) and, unlike
      // the line number, survives edits elsewhere in the file
      id: `${fingerprint(m.category, m.file, m.function, m.patternId)}|${sha256Hex(m.text.trim()).slice(0, 8)}`,
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
      evidence: [...evidence, { kind: 'source', file: m.file, line: m.line, text: m.text, why: m.why },
        ...(m.related ?? []).map((r) => ({ kind: 'source' as const, file: m.file, line: r.line, text: r.text, why: r.why }))],
    }),
  };
}

/**
 * 1. With stacks: the cost measured on the match's own line (a loop: its body) decides. Returns the matches this
 * phase cannot judge (no stacks, or a pattern measured by its category), by category, and the function-header
 * sites that spoke for a match.
 */
function judgeByLine(j: Judge, matches: CatalogueMatch[], out: Verdicts): { byCategory: Map<Category, CatalogueMatch[]>; claimedHeaders: Set<string> } {
  const { attribution, signals, perIterDivisor } = j.input;
  const byCategory = new Map<Category, CatalogueMatch[]>();
  const claimedHeaders = new Set<string>();
  for (const m of matches) {
    const facts = j.facts(m);
    const [a, b] = j.input.spanOf?.(m) ?? [m.line, m.line];
    let lineSites = sitesIn(attribution, m.file, a, b);
    if (!lineSites.length && attribution.hasStacks && facts.measuredAt === 'line') {
      // Kineto python_function frames name a function's first line, not the executing one: the function's
      // header site speaks for the match when it holds the kind of event the pattern produces
      const header = functionHeaderSite(j.input, m, facts.events);
      if (header) {
        lineSites = [header];
        claimedHeaders.add(siteKey(header.file, header.line));
      }
    }
    const site = lineSites.slice().sort((x, y) => totalNs(y) - totalNs(x))[0];
    if (!attribution.hasStacks || facts.measuredAt === 'category' || (site === undefined && (perSampleSeen(j.input, m) || pythonUnseen(j.input, facts)))) {
      const list = byCategory.get(m.category) ?? [];
      list.push(m);
      byCategory.set(m.category, list);
      continue;
    }
    const ms = site ? siteMs(lineSites, facts.costKinds, perIterDivisor) : 0;
    const ev: Evidence[] = site
      ? [
          { kind: 'profile', query: site.via === 'callchain' ? 'callchain' : 'python-stack', summary: `${ms.toFixed(3)} ms/iter measured on ${b > a ? `lines ${a}–${b}` : 'this line'} (${topNames(site)})`, values: { msPerIter: round(ms), events: lineSites.reduce((t, x) => t + Object.values(x.count).reduce((p, q) => p + q, 0), 0) } },
          { kind: 'stack', via: site.via, frames: site.example },
        ]
      : [{ kind: 'profile', query: 'python-stack', summary: 'no measured time on this line in the profiled window' }];
    // whether the line counts is decided on its median iteration (robust.ts): one preempted iteration cannot
    // carry it over the threshold, nor one quiet iteration under it; the mean stays its ms/iter
    const spread = site && j.input.iterations > 0 ? lineSpread(lineSites, facts.costKinds, Math.max(1, perIterDivisor / j.input.iterations)) : undefined;
    const decideMs = spread ? spread.medianMs : ms;
    const sig = signals.get(m.category);
    if (sig && site) ev.push(...sig.evidence.slice(0, 2));
    const syncNs = lineSites.reduce((t, x) => t + x.ns.sync, 0);
    const copyNs = lineSites.reduce((t, x) => t + x.ns.memcpy, 0);
    // a match whose cost lands on later lines (a per-call memory map) and whose line runs every iteration is
    // confirmed below the threshold: its line's time is a lower bound, and the A/B trial measures the rest
    const events = lineSites.reduce((t, x) => t + Object.values(x.count).reduce((p, q) => p + q, 0), 0);
    const deferred = !!site && !!m.deferredCost && !j.enough(decideMs) && j.input.iterations > 0 && events >= j.input.iterations;
    if (deferred) ev.push({ kind: 'profile', query: 'python-stack', summary: `runs every iteration; ${m.deferredCost}: the ${ms.toFixed(3)} ms/iter on its own line is a lower bound` });
    if (site && (j.enough(decideMs) || deferred) && (m.category !== 'C3' || syncNs > 0) && (m.category !== 'C4' || copyNs + syncNs > 0)) {
      out.findings.push(j.make(m, ms, deferred ? 0.6 : 0.9, site.via, ev));
    } else {
      out.unconfirmed.push(j.make(m, ms, 0.2, site?.via ?? 'catalogue', ev));
    }
  }
  return { byCategory, claimedHeaders };
}

function totalNs(s: SiteCost): number {
  return Object.values(s.ns).reduce((p, q) => p + q, 0);
}

/** 2. Without stacks (or patterns measured by their category): the category's measured cost, split over its hot matches. */
function judgeByCategory(j: Judge, byCategory: Map<Category, CatalogueMatch[]>, out: Verdicts): void {
  const { signals, nvtxFunctionMs } = j.input;
  // patterns with their own signal are split from their category's
  const groups = new Map<string, { sig: CategorySignal | undefined; cat: Category; list: CatalogueMatch[] }>();
  for (const [cat, list] of byCategory) {
    for (const m of list) {
      const own = j.input.patternSignals?.get(m.patternId);
      const sig = own ?? signals.get(cat);
      const key = sig?.group ?? (own ? m.patternId : cat);
      const g = groups.get(key) ?? { sig, cat, list: [] };
      g.list.push(m);
      groups.set(key, g);
    }
  }
  for (const { sig, cat, list } of groups.values()) {
    // construction-site matchers decide their own hotness (a DataLoader is hot when a hot loop iterates it); only
    // DDP settings, built once in setup, speak for every step whatever their line
    const hot = list.filter((m) => m.inHotPath || m.category === 'C6');
    const periodic = hot.filter((m) => j.facts(m).measuredAt === 'line' && j.input.periodic?.(m));
    for (const m of periodic) {
      hot.splice(hot.indexOf(m), 1);
      out.unconfirmed.push(j.make(m, 0, 0.15, 'catalogue', [{ kind: 'profile', query: 'hot-path', summary: 'runs once every N iterations (under a periodic `if … % N == 0`): not a per-iteration cost' }]));
    }
    const cold = list.filter((m) => !hot.includes(m) && !periodic.includes(m));
    for (const m of cold) out.unconfirmed.push(j.make(m, 0, 0.1, 'catalogue', [{ kind: 'profile', query: 'hot-path', summary: 'not on the hot path found by WARMUP' }]));
    if (!sig || !j.enough(sig.msPerIter)) {
      for (const m of hot) out.unconfirmed.push(j.make(m, 0, 0.2, 'catalogue', [{ kind: 'profile', query: cat, summary: `no ${CATEGORY_NAMES[cat].toLowerCase()} cost in the profile${sig ? ` (${sig.msPerIter.toFixed(3)} ms/iter)` : ''}` }]));
      continue;
    }
    // NVTX: a match inside a function that an NVTX range measured gets that function's time as its bound
    const weights = hot.map((m) => Math.max(nvtxFunctionMs.get(m.function) ?? 1, 0));
    const total = weights.reduce((a, b) => a + b, 0) || 1;
    const shared: Evidence[] = hot.length > 1
      ? [{ kind: 'profile', query: cat, summary: `one pool of ${sig.msPerIter.toFixed(3)} ms/iter shared by ${hot.length} lines (${hot.map((m) => `${m.file}:${m.line}`).join(', ')}): the profile has no stacks that tell them apart, so each shows its part and the pool is counted once`, values: { poolMsPerIter: sig.msPerIter, lines: hot.length } }]
      : [];
    hot.forEach((m, i) => {
      const fnMs = nvtxFunctionMs.get(m.function);
      const ms = Math.min(sig.msPerIter * ((weights[i] ?? 0) / total), fnMs ?? Infinity);
      const conf = (fnMs !== undefined ? 0.75 : 0.55) + Math.min(0.2, j.share(sig.msPerIter));
      out.findings.push(j.make(m, ms, conf, fnMs !== undefined ? 'nvtx' : 'catalogue', [...sig.evidence.slice(0, 3), ...shared]));
    });
  }
}

/** 3. Costly stack sites no pattern explains: synchronizations and copies are always worth a look. */
function findUnexplainedSites(j: Judge, claimed: Set<string>, out: Verdicts): void {
  const { attribution, perIterDivisor } = j.input;
  for (const site of attribution.sites.values()) {
    if (claimed.has(siteKey(site.file, site.line))) continue;
    const syncMs = site.ns.sync / 1e6 / perIterDivisor;
    const copyMs = site.ns.memcpy / 1e6 / perIterDivisor;
    const pick: [Category, string, number, string] | undefined = j.enough(syncMs)
      ? ['C3', 'C3.sync-site', syncMs, `the CPU waits for the GPU here (${topNames(site)})`]
      : j.enough(copyMs) ? ['C4', 'C4.copy-site', copyMs, `host↔device copies issued here (${topNames(site)})`] : undefined;
    if (!pick) continue;
    const [category, patternId, ms, why] = pick;
    out.findings.push(j.make(
      { patternId, category, file: site.file, function: site.func, line: site.line, column: 1, text: '', why, inHotPath: true, inLoop: true },
      ms, 0.8, site.via,
      [{ kind: 'profile', query: site.via, summary: `${ms.toFixed(3)} ms/iter (${topNames(site)})` }, { kind: 'stack', via: site.via, frames: site.example }],
    ));
  }
}

/**
 * The site on the first line of the match's function (its `def`, or a decorator: what Python's tracer records
 * as a frame's line at entry), restricted to the events the pattern produces. Null when the function has no
 * such site, when the match runs only every N iterations (a function-level site cannot tell it from the
 * per-step line), or when the site names none of the pattern's events.
 */
function functionHeaderSite(input: DetectInput, m: CatalogueMatch, want: RegExp | undefined): SiteCost | null {
  const span = input.functionSpan?.(m.file, m.function);
  if (!span || input.periodic?.(m)) return null;
  const [def, , decorators] = span;
  for (let l = def - (decorators ?? 0); l <= def; l++) {
    const site = input.attribution.sites.get(siteKey(m.file, l));
    if (!site) continue;
    // a frame's own Python time includes every line (and callee) of the function: only the events attributed
    // to the function itself (launches, operators, runtime calls) can speak for one of its lines
    // (the site's per-iteration costs are the whole function's: a part of it is decided on its mean)
    const { perIter: _whole, ...fnSite } = site;
    if (!want) return { ...fnSite, ns: { ...site.ns, python: 0 } };
    const names = [...site.names].filter(([n]) => want.test(n));
    if (!names.length) return null;
    // only the pattern's events count: the rest of the function's time is other lines'. A callee frame's time
    // (`py:…`) is Python time on the line; operators and runtime calls share the site's non-Python kinds.
    const pyNs = names.filter(([n]) => n.startsWith('py:')).reduce((t, [, v]) => t + v, 0);
    const ns = names.filter(([n]) => !n.startsWith('py:')).reduce((t, [, v]) => t + v, 0);
    const only: SiteCost = { ...fnSite, ns: { ...site.ns }, names: new Map(names) };
    const k = (Object.keys(only.ns) as CostKind[]).filter((x) => x !== 'python');
    const total = k.reduce((t, x) => t + site.ns[x], 0) || 1;
    for (const x of k) only.ns[x] = (site.ns[x] / total) * ns;
    only.ns.python = pyNs + ns;
    if (site.ns.sync > 0) only.ns.sync = Math.max(only.ns.sync, Math.min(site.ns.sync, ns));
    if (site.ns.memcpy > 0) only.ns.memcpy = Math.max(only.ns.memcpy, Math.min(site.ns.memcpy, ns));
    return only;
  }
  return null;
}


/**
 * Pure-Python work in a per-sample function that the stacks show running, in a profile that cannot time Python
 * lines (nsys without Python sampling: only CUDA/OS calls carry stacks). Such a match is judged like a match in a
 * stackless profile — by its category's measured host-bound cost — instead of by its own line.
 */
function perSampleSeen(input: DetectInput, m: CatalogueMatch): boolean {
  if (m.category !== 'C7' || input.attribution.via.has('python-stack') || !PER_SAMPLE_FN.test(m.function)) return false;
  const span = input.functionSpan?.(m.file, m.function);
  if (!span) return false;
  for (let l = span[0]; l <= span[1]; l++) if (input.attribution.seen.has(siteKey(m.file, l))) return true;
  return false;
}

/**
 * A pattern whose cost is Python time alone, in a profile whose stacks come only from CUDA / OS calls (nsys
 * callchains without Python sampling): its line can never carry a measured cost there, so its category decides.
 */
function pythonUnseen(input: DetectInput, facts: PatternFacts): boolean {
  return facts.pythonOnly === true && !input.attribution.via.has('python-stack');
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
