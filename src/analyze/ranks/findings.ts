// C1 / C6 findings from the cross-rank picture, placed at the ranks' own source locations (Python frames of
// their backtraces): a rank late because of data loading (C1, at its data-loading code) or of its Python host
// work (C7, at the launch site its GPU waited for most), ranks waiting at a
// collective for a straggler (C6 rank skew, at the collective), communication not hidden behind compute (C6).
import type { Evidence, Finding, Severity } from '../../core/findings.js';
import type { RankClock, RankHotspot, RankSummary, RankTotals, StragglerEntry } from '../../core/ranks.js';
import { fingerprint } from '../detect.js';

/** What the reduce step measured of one rank: the input of its findings. */
export interface RankMetrics {
  /** what the findings read of the rank's summary */
  summary: Pick<RankSummary, 'identity' | 'hotspots'>;
  clock: RankClock;
  medStep: number | null;
  /** per-step medians of the split, ns */
  med: Record<keyof RankTotals, number>;
  /** how late it arrives at the collectives against the others (set for stragglers), ns */
  meanLateNs: number;
  waitedNs: number;
}

export type RankComm = { rank: number; commMsPerStep: number; exposedMsPerStep: number; waitMsPerStep: number };

export const EXPOSED_SHARE = 0.05;

export function severityOf(share: number): Severity {
  return share >= 0.2 ? 'critical' : share >= 0.08 ? 'high' : share >= 0.02 ? 'medium' : 'low';
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** The costliest hotspot of a kind over the given ranks (same file:line summed). */
export function topHotspot(metrics: RankMetrics[], kind: RankHotspot['kind']): RankHotspot | undefined {
  const m = new Map<string, RankHotspot>();
  for (const x of metrics) {
    for (const h of x.summary.hotspots) {
      if (h.kind !== kind) continue;
      const k = `${h.file}:${h.line}`;
      const cur = m.get(k);
      if (cur) { cur.totalNs += h.totalNs; cur.count += h.count; } else m.set(k, { ...h });
    }
  }
  return [...m.values()].sort((a, b) => b.totalNs - a.totalNs)[0];
}

function finding(
  category: 'C1' | 'C6' | 'C7', pattern: string, title: string, at: RankHotspot, msPerIter: number, stepMs: number, evidence: Evidence[], confidence: number,
): Finding {
  const share = stepMs > 0 ? msPerIter / stepMs : 0;
  return {
    id: fingerprint(category, at.file, at.function, pattern), category, pattern, title, file: at.file, function: at.function, line: at.line,
    severity: severityOf(share), impact: { msPerIter: r3(msPerIter), pctOfIter: Math.round(share * 1000) / 10 }, confidence,
    evidence: [...evidence, { kind: 'stack', via: 'callchain', frames: [`${at.function} (${at.file}:${at.line})`] }],
    localizedBy: 'callchain',
  };
}

/** The findings the reduce can place from the profiles alone; `unplaced` says what had no source location. */
export function rankFindings(metrics: RankMetrics[], stragglers: StragglerEntry[], comm: RankComm[], stepMedNs: number, unplaced: string[] = []): Finding[] {
  const out: Finding[] = [];
  const stepMs = stepMedNs / 1e6;
  const byRank = new Map(metrics.map((m) => [m.summary.identity.rank, m]));
  const collective = topHotspot(metrics, 'collective') ?? topHotspot(metrics, 'barrier');
  for (const s of stragglers) {
    const m = byRank.get(s.rank)!;
    const lateMs = (s.meanLateNs ?? 0) / 1e6;
    const ev: Evidence = {
      kind: 'profile', query: 'ranks', summary: `rank ${s.rank} (${s.reason}): ${s.evidence.join('; ')}`,
      values: { rank: s.rank, lateMsPerCollective: r3(lateMs), lastArrivalShare: s.lastArrivalShare, causedWaitMs: r3(s.causedWaitNs / 1e6), reason: s.reason },
    };
    if (s.reason === 'data-loading') {
      const at = topHotspot([m], 'data-load');
      if (at) out.push(finding('C1', 'C1.rank-data-loading', `rank ${s.rank} loads its batches slowly: every other rank waits for it at the collectives`, at, lateMs, stepMs, [ev], 0.8));
      else unplaced.push(`C1: rank ${s.rank} is late because of data loading, but its profile has no data-loading backtraces (give --repo to place it at the DataLoader)`);
    } else if (s.reason === 'host' && topHotspot([m], 'host')) {
      const at = topHotspot([m], 'host')!;
      out.push(finding('C7', 'C7.rank-host-bound', `rank ${s.rank}'s Python host work keeps its GPU waiting (${r3(at.totalNs / 1e6)} ms of GPU idle in all before launches from this line): every other rank waits for it at the collectives`, at, lateMs, stepMs, [ev], 0.7));
    } else if (collective) {
      out.push(finding('C6', 'C6.rank-skew', `ranks wait at ${collective.function} for rank ${s.rank} (${s.reason === 'unknown' ? 'late' : `${s.reason}-bound`} straggler)`, collective, lateMs, stepMs, [ev], 0.75));
    } else unplaced.push(`C6: ranks wait for rank ${s.rank} (${s.reason}), but no collective call site is in the profiles (give --repo)`);
  }
  if (comm.length) {
    const transfer = comm.map((c) => Math.max(0, c.exposedMsPerStep - c.waitMsPerStep)).sort((a, b) => a - b);
    const med = transfer[Math.floor(transfer.length / 2)]!;
    if (stepMs > 0 && med / stepMs >= EXPOSED_SHARE) {
      const ev: Evidence = {
        kind: 'profile', query: 'ranks', summary: `NCCL transfer not overlapped by compute: median ${r3(med)} ms/step over ${comm.length} rank(s) (${Math.round((100 * med) / stepMs)}% of the ${r3(stepMs)} ms step), waits for late ranks excluded`,
        values: Object.fromEntries(comm.map((c) => [`rank${c.rank}ExposedMs`, c.exposedMsPerStep])),
      };
      if (collective) out.push(finding('C6', 'C6.comm-exposed', `communication at ${collective.function} is not overlapped with compute on any rank`, collective, med, stepMs, [ev], 0.7));
      else unplaced.push(`C6: ${r3(med)} ms/step of NCCL communication is exposed, but no collective call site is in the profiles (give --repo)`);
    }
  }
  return out;
}
