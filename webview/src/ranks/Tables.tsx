// The tables under the heatmap: straggler ranking with reasons and evidence, waits per collective op,
// problems per rank, and the cross-rank findings.
import { ms, ns, pct, signedPct, basename } from '../format.js';
import { Card } from '../components/toolkit.js';
import type { CollectiveOpView, RankProblem, RanksView, StragglerEntry } from '../../../src/protocol/ranks.js';

const REASONS: Record<StragglerEntry['reason'], string> = {
  compute: 'more compute', 'data-loading': 'slow data loading', host: 'host work', memcpy: 'memory copies', sync: 'synchronization', unknown: 'unknown',
};

export function StragglerTable(props: { stragglers: StragglerEntry[]; straggler: number | null }) {
  if (!props.stragglers.length) return null;
  return (
    <Card testId="stragglers" title="Straggler ranking" note="who the others wait for, and why">
      <table className="grid">
        <thead><tr>
          <th>Rank</th><th>Reason</th><th className="num" title="share of collectives at which this rank arrived last">Last arrival</th>
          <th className="num" title="mean arrival at the collectives after the median of the other ranks">Late by</th>
          <th className="num" title="total time other ranks waited for this rank">Caused wait</th>
          <th className="num" title="median step time vs the median over ranks">Step time</th><th>Evidence</th>
        </tr></thead>
        <tbody>
          {props.stragglers.map((s) => (
            <tr key={s.rank} data-testid="straggler-row" data-rank={s.rank} className={s.rank === props.straggler ? 'straggler' : undefined}
              aria-label={s.rank === props.straggler ? `rank ${s.rank}: the straggler` : undefined}>
              <td>rank {s.rank}{s.rank === props.straggler ? ' ⚑' : ''}</td>
              <td>{REASONS[s.reason]}</td>
              <td className="num">{pct(s.lastArrivalShare)}</td>
              <td className="num">{s.meanLateNs !== undefined ? ns(s.meanLateNs) : '–'}</td>
              <td className="num">{ns(s.causedWaitNs)}</td>
              <td className="num">{signedPct(s.stepTimeExcess)}</td>
              <td className="evidence">{s.evidence.length ? <ul>{s.evidence.map((e, i) => <li key={i}>{e}</li>)}</ul> : <span className="muted">–</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

export function CollectivesTable(props: { collectives: CollectiveOpView[]; ranks: number[] }) {
  if (!props.collectives.length) return null;
  return (
    <Card testId="collectives" title="Waits per collective" note="skew = latest − earliest arrival">
      <table className="grid">
        <thead><tr>
          <th>Op</th><th className="num">Count</th><th className="num">Max skew</th><th className="num">Mean skew</th>
          <th>Last most often</th><th>Most waiting</th>
        </tr></thead>
        <tbody>
          {props.collectives.map((c) => {
            const waiters = c.waitMs.map((w, i) => ({ rank: props.ranks[i]!, w })).filter((x) => x.w > 0).sort((a, b) => b.w - a.w).slice(0, 3);
            return (
              <tr key={c.op} data-testid="collective-row" data-op={c.op}>
                <td className="mono">{c.op}</td>
                <td className="num">{c.count}</td>
                <td className="num">{ms(c.maxSkewMs, 3)}</td>
                <td className="num">{ms(c.meanSkewMs, 3)}</td>
                <td>rank {c.lastRank} <span className="muted">({c.lastRankCount}/{c.count})</span></td>
                <td>{waiters.length ? waiters.map((x) => `rank ${x.rank}: ${ms(x.w, 3)}`).join(', ') : <span className="muted">–</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Card>
  );
}

export function CommTable(props: { comm: RanksView['comm'] }) {
  if (!props.comm.length) return null;
  return (
    <Card testId="comm" title="Communication per rank" note="ms per step; exposed = not overlapped by compute">
      <table className="grid">
        <thead><tr><th>Rank</th><th className="num">NCCL</th><th className="num">Exposed</th><th className="num" title="exposed time spent waiting for the last rank to arrive">Waiting</th><th className="num">Transfer</th></tr></thead>
        <tbody>
          {props.comm.map((c) => (
            <tr key={c.rank} data-testid="comm-row" data-rank={c.rank}>
              <td>rank {c.rank}</td>
              <td className="num">{ms(c.commMsPerStep)}</td>
              <td className="num">{ms(c.exposedMsPerStep)}</td>
              <td className="num">{ms(c.waitMsPerStep)}</td>
              <td className="num">{ms(Math.max(0, c.exposedMsPerStep - c.waitMsPerStep))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

export function ProblemsList(props: { problems: RankProblem[] }) {
  if (!props.problems.length) return null;
  const groups = new Map<string, RankProblem[]>();
  for (const p of props.problems) {
    const k = p.rank !== undefined ? `rank ${p.rank}` : basename(p.source) || 'run';
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  return (
    <Card testId="problems" title="Problems per rank" note="the analysis of the other ranks went on">
      <ul className="problems">
        {[...groups].map(([k, list]) => (
          <li key={k} data-testid="problem"><b>{k}</b>
            <ul>{list.map((p, i) => <li key={i} title={p.source}><span className="badge">{p.kind}</span> {p.message}</li>)}</ul>
          </li>
        ))}
      </ul>
    </Card>
  );
}

export function RankFindings(props: { findings: RanksView['findings'] }) {
  if (!props.findings.length) return null;
  return (
    <Card testId="rank-findings" title="Cross-rank findings">
      <ul className="problems">
        {props.findings.map((f, i) => (
          <li key={i} className={`sev-${f.severity}`}><span className="cat">{f.category}</span> {f.title} <span className="mono muted">{f.file}:{f.line}</span></li>
        ))}
      </ul>
    </Card>
  );
}
