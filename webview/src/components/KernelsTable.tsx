import type { OverviewKernel } from '../../../src/protocol/dashboard.js';
import { ns, pct } from '../format.js';
import { Card } from './toolkit.js';

export function KernelsTable(props: { kernels: OverviewKernel[]; onKernel?: (name: string) => void }) {
  if (props.kernels.length === 0) return null;
  return (
    <Card title="Top kernels" label="Top kernels">
      <table className="grid" data-testid="kernels">
        <thead><tr><th>Kernel</th><th className="num">Count</th><th className="num">Total</th><th className="num">Mean</th><th>Share</th></tr></thead>
        <tbody>
          {props.kernels.map((k) => (
            <tr key={k.name} data-testid="kernel-row">
              <td className="mono ellipsis" title={`${k.name}${props.onKernel ? ' (click to show its first launch in the trace)' : ''}`}>
                {props.onKernel ? <button className="link mono" onClick={() => props.onKernel!(k.name)}>{k.name}</button> : k.name}
              </td>
              <td className="num">{k.count.toLocaleString()}</td>
              <td className="num">{ns(k.totalNs)}</td>
              <td className="num">{ns(k.meanNs)}</td>
              <td><div className="share"><div style={{ width: `${k.share * 100}%` }} /></div> {pct(k.share, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
