// Timeline summary: CPU and GPU activity, one lane per device/stream (kernels, copies, NCCL) drawn from
// the binned overview, NVTX/ProfilerStep iterations as bands (click one to zoom), CPU/GPU overlap.
import type { ReactElement } from 'react';
import type { OverviewLane, ProfileOverview } from '../../../src/protocol/dashboard.js';
import { ns, pct } from '../format.js';
import { KindLegend } from './Legend.js';

const LANE_H = 18;
const LABEL_W = 120;
const MAX_LANES = 24;

function Bars(props: { values: number[]; y: number; cls: string; height?: number }) {
  const h = props.height ?? LANE_H - 4;
  let d = '';
  props.values.forEach((v, i) => {
    if (v <= 0) return;
    const bh = Math.max(1, v * h);
    d += `M${i} ${props.y + h - bh}h1v${bh}h-1z`;
  });
  return <path className={props.cls} d={d} />;
}

function laneLabel(l: OverviewLane, gpus: ProfileOverview['gpus']): string {
  const g = gpus.find((x) => x.deviceId === l.deviceId);
  return `GPU ${l.deviceId}${g ? '' : ''} · stream ${l.streamId}`;
}

export function Timeline(props: { overview: ProfileOverview; onZoom: (startNs: number, endNs: number) => void; zoomed: boolean; onReset: () => void }) {
  const o = props.overview;
  const lanes = o.lanes.slice(0, MAX_LANES);
  const rows: Array<{ label: string; title: string; render: (y: number) => ReactElement }> = [
    { label: 'CPU work', title: 'host inside a CUDA runtime call (not a sync) or a CPU operator', render: (y) => <Bars values={o.cpuBusy} y={y} cls="bar cpu" /> },
    ...(o.cpuWaiting && o.cpuWaiting.some((v) => v > 0)
      ? [{ label: 'CPU waiting (sync)', title: 'host blocked in a synchronization call, waiting for the GPU', render: (y: number) => <Bars values={o.cpuWaiting!} y={y} cls="bar waiting" /> }]
      : []),
    { label: 'GPU (any)', title: 'any GPU work on any stream, whatever its kind', render: (y) => <Bars values={o.gpuBusy} y={y} cls="bar gpu" /> },
    ...lanes.map((l) => ({
      label: laneLabel(l, o.gpus),
      title: `busy ${ns(l.busyNs)}`,
      render: (y: number) => (
        <g>
          <Bars values={l.busy.kernel} y={y} cls="bar kernel" />
          <Bars values={l.busy.memcpy} y={y} cls="bar memcpy" />
          <Bars values={l.busy.nccl} y={y} cls="bar nccl" />
        </g>
      ),
    })),
  ];
  const itY = 0;
  const top = LANE_H;
  const height = top + rows.length * LANE_H;
  const x = (t: number) => ((t - o.startNs) / o.binNs);
  return (
    <section className="card" aria-label="Timeline summary">
      <div className="card-head">
        <h2>Timeline</h2>
        <span className="muted">
          {ns(o.endNs - o.startNs)} · {o.counts.kernels.toLocaleString()} kernels · <span data-testid="timeline-steps" title="one step detector for Summary, Ranks, analyze and diff">{o.iterationDetail ?? `${o.iterations.length} steps`}</span>
          {o.iterationMs !== null ? ` · median ${o.iterationMs.toFixed(2)} ms/step` : ''}
        </span>
        {props.zoomed && <button className="link" onClick={props.onReset}>reset zoom</button>}
      </div>
      <div className="timeline" data-testid="timeline">
        <div className="lane-labels" style={{ width: LABEL_W }}>
          <div className="lane-label" style={{ height: LANE_H }}>steps</div>
          {rows.map((r, i) => <div key={i} className="lane-label" title={r.title} style={{ height: LANE_H }}>{r.label}</div>)}
        </div>
        <svg className="lanes" viewBox={`0 0 ${o.bins} ${height}`} preserveAspectRatio="none" height={height} role="img">
          {o.iterations.map((it, i) => (
            <rect
              key={i}
              className={`iteration ${i % 2 ? 'odd' : 'even'}`}
              data-testid="iteration"
              x={x(it.startNs)}
              y={itY}
              width={Math.max(0.5, x(it.endNs) - x(it.startNs))}
              height={height}
              onClick={() => props.onZoom(it.startNs, it.endNs)}
            >
              <title>{`${it.label}: ${ns(it.endNs - it.startNs)} (click to zoom)`}</title>
            </rect>
          ))}
          {rows.map((r, i) => <g key={i} data-testid="lane">{r.render(top + i * LANE_H + 2)}</g>)}
        </svg>
      </div>
      {o.lanes.length > MAX_LANES && <p className="muted">{o.lanes.length - MAX_LANES} more streams not shown</p>}
      <KindLegend kinds={['kernel', 'memcpy', 'nccl', 'gpu', 'cpu', 'waiting']} />
      <Overlap overlap={o.overlap} />
      {o.notes.length > 0 && <ul className="notes">{o.notes.map((n, i) => <li key={i}>{n}</li>)}</ul>}
    </section>
  );
}

type OverlapPart = keyof ProfileOverview['overlap'];

const OVERLAP_PARTS: Array<[OverlapPart, string, string]> = [
  ['both', 'CPU+GPU', 'the GPU ran work while the host was in a CUDA call or CPU op'],
  ['gpuOnly', 'GPU only', 'GPU work with no recorded CPU call'],
  ['cpuOnly', 'CPU only', 'a CUDA call or CPU op with the GPU idle'],
  ['nvtxOnly', 'NVTX range only', 'no GPU work and no recorded CPU call, inside an NVTX or annotation range (not a step range): annotated code, such as a compile or a DataLoader wait'],
  ['idle', 'idle', 'nothing recorded: no GPU work, no CPU call, no range'],
];

function Overlap(props: { overlap: ProfileOverview['overlap'] }) {
  // an overview saved before NVTX-only time was measured has no nvtxOnly: its bar keeps four parts
  const parts = OVERLAP_PARTS.filter(([k]) => props.overlap[k] !== undefined);
  const share = (k: OverlapPart) => Math.max(0, props.overlap[k] ?? 0);
  return (
    <div className="overlap" data-testid="overlap" aria-label="CPU/GPU overlap">
      <div className="overlap-bar">
        {parts.map(([k, , what]) => <div key={k} className={`ov ${k}`} title={what} style={{ width: `${share(k) * 100}%` }} />)}
      </div>
      <div className="legend">
        {parts.map(([k, label, what]) => <span key={k} title={what} data-part={k}><i className={`sw ov ${k}`} />{label} {pct(share(k))}</span>)}
      </div>
    </div>
  );
}
