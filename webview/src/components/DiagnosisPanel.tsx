// The diagnosis from the profile alone: each finding's category, cost, what the time went to (range, call,
// frame, copies) and its evidence; a time range opens in the trace view, a Python file:line in the editor.
import type { ProfileDiagnosis, ProfileFinding } from '../../../src/protocol/dashboard.js';
import { Badge, Spinner } from './toolkit.js';

const CATEGORY: Record<string, string> = {
  C1: 'Host scheduling', C2: 'Kernel launch overhead', C3: 'Synchronization', C4: 'Memory copy', C5: 'Compute inefficiency', C6: 'Communication', C7: 'Python pipeline',
};

export interface DiagnosisProps {
  diagnosis: ProfileDiagnosis | undefined;
  /** the profile has been read (the diagnosis follows it) */
  ready: boolean;
  onRange: (startNs: number, endNs: number) => void;
  onSource: (file: string, line: number) => void;
}

export function DiagnosisPanel(props: DiagnosisProps) {
  const d = props.diagnosis;
  return (
    <section className="card" aria-label="Diagnosis" data-testid="diagnosis">
      <div className="card-head">
        <h2>Diagnosis</h2>
        {d && <Badge>{d.findings.length}</Badge>}
        <span className="muted">from the profile alone</span>
        <span className="spacer" />
        {d && <span className="muted" data-testid="steps">{d.iterations.detail}{d.iterations.medianMs !== null ? `, median ${d.iterations.medianMs.toFixed(2)} ms` : ''}</span>}
      </div>
      {!d && props.ready && <p className="muted"><Spinner /> Diagnosing…</p>}
      {d && d.findings.length > 0 && <ol className="diag-list">{d.findings.map((f) => <DiagnosisItem key={f.id} f={f} durationMs={d.durationMs} {...props} />)}</ol>}
      {d && d.notes.length > 0 && <ul className="notes" data-testid="diagnosis-notes">{d.notes.map((n, i) => <li key={i}>{n}</li>)}</ul>}
    </section>
  );
}

function DiagnosisItem(props: { f: ProfileFinding; durationMs: number } & DiagnosisProps) {
  const f = props.f;
  const firstRange = f.evidence.flatMap((e) => (e.kind === 'profile' && e.ranges ? e.ranges : []))[0];
  return (
    <li className={`diag ${f.severity}`} data-testid="diagnosis-finding">
      <div className="diag-head">
        <span className={`sev ${f.severity}`} title={f.severity}>{f.category}</span>
        <span className="muted">{CATEGORY[f.category] ?? f.category}</span>
        <b className="diag-cost">{f.impact.ms >= 100 ? f.impact.ms.toFixed(0) : f.impact.ms.toFixed(1)} ms</b>
        <span className="muted">{f.impact.pctOfProfile.toFixed(1)}% of the profile{f.impact.msPerIter !== null ? ` · ${f.impact.msPerIter.toFixed(2)} ms/step` : ''}</span>
        <span className="spacer" />
        {firstRange && <button className="link" data-testid="diagnosis-trace" onClick={() => props.onRange(firstRange[0], firstRange[1])}>show in trace</button>}
      </div>
      <div className="diag-title">{f.title}</div>
      {f.subject.chain && f.subject.chain.length > 1 && <div className="mono muted crumbs">{f.subject.chain.join(' › ')}</div>}
      {f.subject.file && (
        <button className="link mono" data-testid="diagnosis-source" title="Open in the editor" onClick={() => props.onSource(f.subject.file!, f.subject.line ?? 1)}>
          {f.subject.file}:{f.subject.line ?? 1}
        </button>
      )}
      <ul className="evidence">
        {f.evidence.map((e, i) => e.kind === 'profile'
          ? <li key={i}>{e.summary}{e.ranges && e.ranges.length === 1 && i > 0 && <> <button className="link" onClick={() => props.onRange(e.ranges![0]![0], e.ranges![0]![1])}>show</button></>}</li>
          : e.kind === 'stack' && e.via === 'python-stack'
            ? <li key={i}><details><summary>Python stack ({e.frames.length} frames)</summary><ol className="mono frames">{e.frames.map((fr, j) => <li key={j}>{fr}</li>)}</ol></details></li>
            : null)}
      </ul>
    </li>
  );
}
