import type { ProgressView } from '../../../src/protocol/dashboard.js';
import { Button, Spinner } from './toolkit.js';

export function Progress(props: { progress: ProgressView; onCancel: () => void }) {
  const p = props.progress;
  if (!p.active) return null;
  return (
    <section className="card progress" aria-live="polite" data-testid="progress">
      <Spinner />
      <div className="progress-text">
        <b>{p.title ?? 'Working'}</b>{p.stage ? ` · ${p.stage}` : ''}
        <div className="muted">{p.message}</div>
        {p.fraction !== undefined && <div className="share wide"><div style={{ width: `${p.fraction * 100}%` }} /></div>}
      </div>
      <Button secondary onClick={props.onCancel}>Cancel</Button>
    </section>
  );
}
