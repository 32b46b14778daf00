// Places the cross-rank findings in a repository: a profile location (backtrace frame) is mapped onto the
// repo's file and function; the source facts that explain it are added as evidence — the DDP/FSDP
// construction and collectives in the loop for C6, the DataLoader construction (num_workers, pin_memory,
// prefetch) for C1. A straggler the profiles could not place (no backtraces) is placed at those sites.
import { throwIfAborted } from '../../core/errors.js';
import type { Evidence, Finding } from '../../core/findings.js';
import type { RanksReport } from '../../core/ranks.js';
import { functionAt, locateFrame, runCatalogue, scanRepo, searchRepo, type CatalogueMatch } from '../../source/index.js';
import { fingerprint } from '../detect.js';
import { severityOf } from './findings.js';

const DDP_RE = /\b(DistributedDataParallel|FullyShardedDataParallel|FSDP|DDP)\s*\(/;
const LOADER_RE = /\bDataLoader\s*\(/;

export interface LocalizeOptions {
  signal?: AbortSignal;
}

interface Site {
  file: string;
  function: string;
  line: number;
  text: string;
  why: string;
  pattern?: string;
}

export async function localizeRankFindings(report: RanksReport, repo: string, opts: LocalizeOptions = {}): Promise<RanksReport> {
  const scan = await scanRepo(repo, opts.signal ? { signal: opts.signal } : {});
  try {
    throwIfAborted(opts.signal);
    const matches = runCatalogue(scan, { all: true, ...(opts.signal ? { signal: opts.signal } : {}) });
    const fromMatch = (m: CatalogueMatch): Site => ({ file: m.file, function: m.function, line: m.line, text: m.text, why: m.why, pattern: m.patternId });
    const search = (re: RegExp, why: string): Site[] => searchRepo(scan.index.root, re, { glob: '*.py', limit: 20 }).map((h) => ({
      file: h.file, function: functionAt(scan.index, h.file, h.line), line: h.line, text: h.text.trim(), why,
    }));
    /** one site per line, its reasons joined (a DataLoader line matches several patterns) */
    const merge = (sites: Site[]): Site[] => {
      const m = new Map<string, Site>();
      for (const x of sites) {
        const k = `${x.file}:${x.line}`;
        const cur = m.get(k);
        if (!cur) m.set(k, { ...x });
        else if (!cur.why.includes(x.why)) cur.why = `${cur.why}; ${x.why}`;
      }
      return [...m.values()];
    };
    const c6Sites = merge([...matches.filter((m) => m.category === 'C6').map(fromMatch), ...search(DDP_RE, 'the data-parallel wrapper whose gradient all-reduce the ranks meet at')]);
    const c1Sites = merge([...matches.filter((m) => m.category === 'C1').map(fromMatch), ...search(LOADER_RE, 'the DataLoader that feeds each rank its batches')]);
    const sourceEv = (s: Site): Evidence => ({ kind: 'source', file: s.file, line: s.line, text: s.text, why: s.why });
    const notes: string[] = [];
    const findings: Finding[] = report.findings.map((f) => {
      const at = locateFrame(scan.index, { symbol: f.function, file: f.file, line: f.line });
      // host work (C7) has no construction site: it stays where the backtraces point or is left as it is
      const sites = f.category === 'C1' ? c1Sites : f.category === 'C6' ? c6Sites : [];
      const extra = sites.filter((s) => !(at && s.file === at.file && s.line === at.line)).slice(0, 4).map(sourceEv);
      if (at) {
        const text = scan.index.byFile.get(at.file)?.source.split(/\r?\n/)[at.line - 1]?.trim() ?? '';
        const same = sites.find((x) => x.file === at.file && x.line === at.line);
        const why = `the line the ranks' backtraces point at${same ? `; ${same.why}` : ''}`;
        return {
          ...f, file: at.file, function: at.function, line: at.line, id: fingerprint(f.category, at.file, at.function, f.pattern),
          evidence: [...f.evidence, { kind: 'source', file: at.file, line: at.line, text, why }, ...extra],
        };
      }
      // the profile's frame is not in this repo: fall back to the construction site
      const site = sites[0];
      if (!site) {
        notes.push(`${f.category} ${f.title}: its frame ${f.file}:${f.line} is not in ${repo} and the repo has no matching construction site`);
        return f;
      }
      return {
        ...f, file: site.file, function: site.function, line: site.line, id: fingerprint(f.category, site.file, site.function, f.pattern),
        localizedBy: 'catalogue' as const, confidence: Math.min(f.confidence, 0.6),
        evidence: [...f.evidence.filter((e) => e.kind !== 'stack'), ...sites.slice(0, 4).map(sourceEv)],
      };
    });
    // stragglers the profiles could not place
    const stepMs = median(report.ranks.flatMap((r) => (r.medianStepMs === null ? [] : [r.medianStepMs])));
    for (const s of report.stragglers) {
      const cat = s.reason === 'data-loading' ? 'C1' : 'C6';
      if (findings.some((f) => f.evidence.some((e) => e.kind === 'profile' && e.values?.rank === s.rank))) continue;
      const site = (cat === 'C1' ? c1Sites : c6Sites)[0];
      if (!site) continue;
      const pattern = cat === 'C1' ? 'C1.rank-data-loading' : 'C6.rank-skew';
      const lateMs = (s.meanLateNs ?? 0) / 1e6;
      const share = stepMs > 0 ? lateMs / stepMs : 0;
      findings.push({
        id: fingerprint(cat, site.file, site.function, pattern), category: cat, pattern,
        title: cat === 'C1' ? `rank ${s.rank} loads its batches slowly: every other rank waits for it at the collectives` : `ranks wait at the gradient all-reduce for rank ${s.rank} (${s.reason})`,
        file: site.file, function: site.function, line: site.line, severity: severityOf(share),
        impact: { msPerIter: Math.round(lateMs * 1000) / 1000, pctOfIter: Math.round(share * 1000) / 10 }, confidence: 0.55, localizedBy: 'catalogue',
        evidence: [{ kind: 'profile', query: 'ranks', summary: `rank ${s.rank} (${s.reason}): ${s.evidence.join('; ')}`, values: { rank: s.rank, reason: s.reason } },
          ...(cat === 'C1' ? c1Sites : c6Sites).slice(0, 4).map(sourceEv)],
      });
    }
    const placed = new Set(findings.map((f) => f.category));
    return { ...report, findings, notes: [...report.notes.filter((n) => !(/^C[16]: .*give --repo/.test(n) && placed.has(n.slice(0, 2) as 'C1' | 'C6'))), ...notes] };
  } finally {
    scan.index.dispose();
  }
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
