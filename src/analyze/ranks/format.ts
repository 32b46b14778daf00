// The text report of `sysight ranks`: ranks and their split, stragglers with reasons, the largest collective
// waits, exposed communication, problems, findings.
import type { RanksReport } from '../../core/ranks.js';
import { table } from '../../profile/queries/format.js';

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

export function formatRanksReport(r: RanksReport): string {
  const parts: string[] = [];
  const n = (k: keyof RanksReport['ranks'][number]['totals'], x: RanksReport['ranks'][number]) => ms(x.totals[k] / Math.max(1, x.steps));
  parts.push(`Ranks: ${r.ranks.length} of world size ${r.worldSize}${r.problems.length ? `, ${r.problems.length} problem(s)` : ''}`);
  if (r.ranks.length) {
    parts.push(table(['rank', 'from', 'GPUs', 'clock', 'steps', 'median step ms', 'compute', 'comm', 'exposed', 'idle', 'data load', 'memcpy', 'sync'],
      r.ranks.map((x) => [x.identity.rank, x.identity.source, x.identity.deviceIds.join(','), `${x.clock.alignedBy ?? '?'}${x.clock.offsetNs ? ` ${ms(x.clock.offsetNs)} ms` : ''}`,
        x.steps, x.medianStepMs ?? '-', n('computeNs', x), n('commNs', x), n('exposedCommNs', x), n('idleNs', x), n('dataLoadNs', x), n('memcpyNs', x), n('syncNs', x)])) +
      '\n(per-step means in ms; comm = NCCL kernel time, exposed = not overlapped by compute)');
  }
  parts.push('Stragglers');
  parts.push(r.stragglers.length
    ? r.stragglers.map((s) => `rank ${s.rank}: ${s.reason}, ${ms(s.meanLateNs ?? 0)} ms late per collective, last at ${Math.round(s.lastArrivalShare * 100)}% of them, caused ${ms(s.causedWaitNs)} ms of waiting\n  - ${s.evidence.join('\n  - ')}`).join('\n')
    : 'none: no rank arrives at the collectives clearly later than the others');
  if (r.collectiveWaits.length) {
    parts.push('Largest collective waits');
    parts.push(table(['op', 'seq', 'step', 'last rank', 'skew ms', 'max wait ms (rank)'], r.collectiveWaits.slice(0, 10).map((w) => {
      const i = w.waitNs.indexOf(Math.max(...w.waitNs));
      return [w.op, w.seq, w.step ?? '-', w.lastRank, ms(w.skewNs), `${ms(w.waitNs[i]!)} (${r.ranks[i]?.identity.rank ?? '?'})`];
    })));
  }
  if (r.comm?.length) {
    parts.push('Exposed communication');
    parts.push(table(['rank', 'NCCL ms/step', 'exposed ms/step', 'of which waiting ms/step'], r.comm.map((c) => [c.rank, c.commMsPerStep, c.exposedMsPerStep, c.waitMsPerStep])));
  }
  const skew = r.skewMs.filter((x): x is number => x !== null);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  if (skew.length) parts.push(`Step-time skew across ranks: max ${Math.max(...skew)} ms, median ${med(skew)} ms over ${skew.length} step(s)`);
  const arr = (r.arrivalSkewMs ?? []).filter((x): x is number => x !== null);
  if (arr.length) parts.push(`Arrival skew at the collectives (latest − earliest rank): max ${Math.max(...arr)} ms, median ${med(arr)} ms over ${arr.length} step(s)`);
  if (r.problems.length) {
    parts.push('Problems');
    parts.push(r.problems.map((p) => `- [${p.kind}] ${p.rank !== undefined ? `rank ${p.rank}: ` : ''}${p.message}${p.source && !p.message.includes(p.source) ? ` (${p.source})` : ''}`).join('\n'));
  }
  parts.push('Findings');
  parts.push(r.findings.length
    ? r.findings.map((f) => `${f.category} ${f.severity} ${f.file}:${f.line} ${f.function}: ${f.title} (${f.impact.msPerIter} ms/step, ${f.impact.pctOfIter}%)` +
        f.evidence.filter((e) => e.kind !== 'stack').map((e) => `\n  - ${e.kind === 'profile' ? e.summary : e.kind === 'source' ? `${e.file}:${e.line} ${e.text} — ${e.why}` : ''}`).join('')).join('\n')
    : 'none');
  if (r.notes.length) parts.push(r.notes.map((x) => `note: ${x}`).join('\n'));
  return parts.join('\n\n');
}
