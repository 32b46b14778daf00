// Iteration time per round with its interval, the patches accepted in each round, and each round's profile
// against the previous one (`sysight diff` verdict) beside the measured A/B of the patches in between.
import type { RunView } from '../../../src/protocol/dashboard.js';
import { ms, signedPct } from '../format.js';

function RoundDiffs(props: { run: RunView }) {
  const rows = props.run.rounds.filter((r) => r.profileDiff);
  if (rows.length === 0) return null;
  return (
    <table className="grid round-diffs" data-testid="round-diffs">
      <thead><tr><th>rounds</th><th>profile diff</th><th>measured A/B of the patches in between</th></tr></thead>
      <tbody>
        {rows.map((r) => {
          const prev = props.run.rounds.find((x) => x.index === r.index - 1);
          const verdict = r.profileDiff!.verdict;
          return (
            <tr key={r.index} data-testid="round-diff">
              <td>R{r.index} vs R{r.index - 1}</td>
              <td title={r.profileDiff!.headline}>
                <span className={`verdict ${verdict.replace(/\s+/g, '-')}`}>{verdict}</span>
                <div className="muted">{r.profileDiff!.headline}</div>
              </td>
              <td>{prev && prev.accepted.length
                ? prev.accepted.map((a) => `${a.pattern} ${signedPct(a.speedup)}`).join(', ')
                : <span className="muted">none accepted</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const W = 520, H = 200, PAD = { l: 56, r: 16, t: 28, b: 32 };

export function RoundsChart(props: { run: RunView }) {
  const rounds = props.run.rounds.filter((r) => r.iterationMs !== null);
  if (rounds.length === 0) {
    return (
      <section className="card" aria-label="Rounds">
        <div className="card-head"><h2>Rounds</h2><span className="muted">run {props.run.id} · {props.run.status}</span></div>
        <p className="muted">No measured rounds yet.</p>
      </section>
    );
  }
  const ys = rounds.flatMap((r) => [r.iterationMs!, r.low ?? r.iterationMs!, r.high ?? r.iterationMs!]);
  const yMax = Math.max(...ys) * 1.1;
  const yMin = Math.max(0, Math.min(...ys) * 0.9);
  const x = (i: number) => PAD.l + (rounds.length === 1 ? (W - PAD.l - PAD.r) / 2 : (i * (W - PAD.l - PAD.r)) / (rounds.length - 1));
  const y = (v: number) => PAD.t + (1 - (v - yMin) / (yMax - yMin || 1)) * (H - PAD.t - PAD.b);
  const ticks = [0, 1, 2, 3].map((k) => yMin + (k * (yMax - yMin)) / 3);
  const first = rounds[0]!.iterationMs!, last = rounds[rounds.length - 1]!.iterationMs!;
  return (
    <section className="card" aria-label="Rounds">
      <div className="card-head">
        <h2>Rounds</h2>
        <span className="muted">run {props.run.id} · {props.run.status} · {ms(first)} → {ms(last)}
          {rounds.length > 1 ? ` (${(((first - last) / first) * 100).toFixed(1)}% faster)` : ''}</span>
      </div>
      <svg className="rounds" viewBox={`0 0 ${W} ${H}`} width="100%" style={{ maxWidth: W }} role="img" data-testid="rounds-chart">
        {ticks.map((t, i) => (
          <g key={i}>
            <line className="gridline" x1={PAD.l} x2={W - PAD.r} y1={y(t)} y2={y(t)} />
            <text className="axis" x={PAD.l - 6} y={y(t) + 4} textAnchor="end">{t.toFixed(1)}</text>
          </g>
        ))}
        <text className="axis" x={12} y={PAD.t - 10}>ms/iter</text>
        <polyline className="series" points={rounds.map((r, i) => `${x(i)},${y(r.iterationMs!)}`).join(' ')} />
        {rounds.map((r, i) => (
          <g key={r.index} data-testid="round">
            {r.low !== null && r.high !== null && (
              <g className="interval">
                <line x1={x(i)} x2={x(i)} y1={y(r.low)} y2={y(r.high)} />
                <line x1={x(i) - 5} x2={x(i) + 5} y1={y(r.low)} y2={y(r.low)} />
                <line x1={x(i) - 5} x2={x(i) + 5} y1={y(r.high)} y2={y(r.high)} />
              </g>
            )}
            <circle className="point" cx={x(i)} cy={y(r.iterationMs!)} r={4}>
              <title>{`round ${r.index}: ${ms(r.iterationMs)}${r.low !== null ? ` [${ms(r.low)}, ${ms(r.high)}]` : ''}`}</title>
            </circle>
            <text className="axis" x={x(i)} y={H - PAD.b + 16} textAnchor="middle">R{r.index}</text>
            {r.accepted.length > 0 && (
              <text className="accepted" x={x(i)} y={y(r.iterationMs!) - 10} textAnchor="middle" data-testid="accepted">
                ✓{r.accepted.length}
                <title>{r.accepted.map((a) => `${a.pattern} (${a.patchId})`).join('\n')}</title>
              </text>
            )}
          </g>
        ))}
      </svg>
      <RoundDiffs run={props.run} />
    </section>
  );
}
