// GPU time by kind: per device a bar of kernels, NCCL, copies, memsets and idle; copies by direction and host
// memory (pinned / pageable, bytes); the costliest CUDA API calls (sync calls marked as waiting) and NVTX ranges.
import type { GpuTimeResult } from '../../../src/protocol/dashboard.js';
import { ns, pct } from '../format.js';
import { KindLegend, type WorkKind } from './Legend.js';

const DIRECTIONS: Record<string, string> = { HtoD: 'host → device', DtoH: 'device → host', DtoD: 'device → device', HtoH: 'host → host', PtoP: 'peer → peer', Unknown: 'unknown' };

export function bytes(b: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return `${i ? b.toFixed(1) : b.toFixed(0)} ${u[i]}`;
}

export function GpuTimeCard(props: { gpuTime: GpuTimeResult }) {
  const g = props.gpuTime;
  if (!g.devices.length && !g.api.length) return null;
  return (
    <section className="card" aria-label="GPU time by kind" data-testid="gpu-time">
      <div className="card-head"><h2>GPU time by kind</h2>
        <span className="muted">{g.kernels.count.toLocaleString()} kernels {ns(g.kernels.ns)} · {g.copies.reduce((t, c) => t + c.count, 0).toLocaleString()} copies {ns(g.copies.reduce((t, c) => t + c.ns, 0))} · {g.memsets.count.toLocaleString()} memsets {ns(g.memsets.ns)}</span>
      </div>
      {g.devices.map((d) => {
        const parts: Array<[WorkKind, number]> = [['kernel', d.kernelNs], ['nccl', d.ncclNs], ['memcpy', d.copyNs], ['memset', d.memsetNs], ['idle', d.idleNs]];
        const total = parts.reduce((t, [, v]) => t + v, 0) || 1;
        return (
          <div key={d.deviceId} className="kind-row" data-testid="gpu-time-device">
            <span className="kind-label" title={d.name}>GPU {d.deviceId} · {d.name}</span>
            <div className="kind-bar">
              {parts.map(([k, v]) => v > 0 && <div key={k} className={`sw ${k}`} style={{ width: `${(100 * v) / total}%` }} title={`${k}: ${ns(v)} (${pct(v / total, 1)})`} />)}
            </div>
            <span className="muted kind-total">{parts.filter(([, v]) => v > 0).map(([k, v]) => `${k === 'memcpy' ? 'copies' : k === 'kernel' ? 'kernels' : k} ${pct(v / total)}`).join(' · ')}</span>
          </div>
        );
      })}
      <KindLegend kinds={['kernel', 'nccl', 'memcpy', 'memset', 'idle']} testId="gpu-time-legend" />
      <div className="tables3">
        {g.copies.length > 0 && (
          <table className="grid" data-testid="copies">
            <thead><tr><th>Copies</th><th>Host memory</th><th className="num">Count</th><th className="num">Bytes</th><th className="num">GPU time</th></tr></thead>
            <tbody>{g.copies.map((c) => (
              <tr key={`${c.direction}|${c.hostMemory}`}>
                <td>{DIRECTIONS[c.direction] ?? c.direction}</td>
                <td className={c.hostMemory === 'Pageable' ? 'warn' : ''}>{c.hostMemory.toLowerCase()}</td>
                <td className="num">{c.count.toLocaleString()}</td>
                <td className="num">{bytes(c.bytes)}</td>
                <td className="num">{ns(c.ns)}</td>
              </tr>))}
            </tbody>
          </table>
        )}
        {g.api.length > 0 && <NameTotals testId="api-calls" heading="CUDA API call" countLabel="Calls" totalLabel="Host time" rows={g.api} />}
        {g.nvtx.length > 0 && <NameTotals testId="nvtx-ranges" heading="NVTX range" countLabel="Count" totalLabel="Total" rows={g.nvtx} />}
      </div>
      {g.syncWaitNs > 0 && <p className="muted" data-testid="sync-wait">The host spent {ns(g.syncWaitNs)} blocked in synchronization calls: waiting for the GPU, not CPU work.</p>}
    </section>
  );
}

/** A name / count / total table (CUDA API calls, NVTX ranges); a row that waits for the GPU is tagged. */
function NameTotals(props: { testId: string; heading: string; countLabel: string; totalLabel: string; rows: Array<GpuTimeResult['nvtx'][number] & { waiting?: boolean }> }) {
  return (
    <table className="grid" data-testid={props.testId}>
      <thead><tr><th>{props.heading}</th><th className="num">{props.countLabel}</th><th className="num">{props.totalLabel}</th></tr></thead>
      <tbody>{props.rows.map((a) => (
        <tr key={a.name}>
          <td className="mono ellipsis" title={a.name}>{a.name}{a.waiting && <span className="tag waiting" title="the host is blocked until the GPU catches up">waiting</span>}</td>
          <td className="num">{a.count.toLocaleString()}</td>
          <td className="num">{ns(a.ns)}</td>
        </tr>))}
      </tbody>
    </table>
  );
}
