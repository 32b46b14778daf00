// The ranks view: summary line, metric picker, heatmap, straggler ranking, collective waits, problems.
// Rendered in its own panel (RanksApp) and in the Ranks tab of a dashboard whose profile holds several ranks.
import { useEffect, useState } from 'react';
import { post } from '../host.js';
import { ms } from '../format.js';
import { Select, Spinner, Button } from '../components/toolkit.js';
import { Heatmap } from './Heatmap.js';
import { CollectivesTable, CommTable, ProblemsList, RankFindings, StragglerTable } from './Tables.js';
import {
  OpenRankCommand, RANK_METRICS, RanksComputeCommand, RanksStateNotification, topStraggler, type RankMetric, type RanksStatus,
  type RanksView as View,
} from '../../../src/protocol/ranks.js';
import './ranks.css';

/** Follows the ranks/state notifications the host sends. */
export function useRanksStatus(initial: RanksStatus = { state: 'loading' }): RanksStatus {
  const [status, setStatus] = useState<RanksStatus>(initial);
  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      if (RanksStateNotification.is(e.data)) setStatus(e.data.params);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, []);
  return status;
}

export function RanksStatusView(props: { status: RanksStatus; onRetry?: () => void }) {
  const s = props.status;
  if (s.state === 'loading') {
    return (
      <section className="card progress" data-testid="ranks-loading" aria-live="polite">
        <Spinner />
        <div className="progress-text">Reading ranks… <span className="muted">{s.message ?? ''}</span>
          {s.fraction !== undefined && <div className="share wide"><div style={{ width: `${s.fraction * 100}%` }} /></div>}
        </div>
        <Button secondary onClick={() => post(RanksComputeCommand, { cancel: true })}>Cancel</Button>
      </section>
    );
  }
  if (s.state === 'error') {
    return (
      <p className="banner error" data-testid="ranks-error">{s.message}
        {props.onRetry && <> <button className="link" onClick={props.onRetry}>Try again</button></>}
      </p>
    );
  }
  return <RanksView view={s.view} />;
}

export function RanksView({ view }: { view: View }) {
  const [metric, setMetric] = useState<RankMetric>('step');
  const straggler = topStraggler(view);
  const medians = view.ranks.map((r) => r.medianStepMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  const skews = view.skewMs.filter((x): x is number => x !== null);
  const arrivals = (view.arrivalSkewMs ?? []).filter((x): x is number => x !== null);
  return (
    <div data-testid="ranks">
      <section className="card">
        <div className="card-head">
          <h2>Ranks</h2>
          <span className="muted" data-testid="ranks-summary">
            {view.ranks.length} of {view.worldSize} ranks · {view.steps.length} steps
            {medians.length ? ` · median step ${ms(medians[Math.floor(medians.length / 2)])}` : ''}
            {skews.length ? ` · max step-time skew ${ms(Math.max(...skews))}` : ''}
            {arrivals.length ? ` · max arrival skew ${ms(Math.max(...arrivals))}` : ''}
          </span>
          <span className="spacer" />
          <Select label="Colour cells by" testId="rank-metric" value={metric} options={RANK_METRICS}
            onChange={(v) => setMetric(v as RankMetric)} />
        </div>
        <Heatmap ranks={view.ranks} steps={view.steps} metric={metric} straggler={straggler}
          onOpen={(row, cell) => post(OpenRankCommand, {
            rank: row.rank, source: row.source, step: cell.step, startNs: cell.startNs, endNs: cell.endNs,
            ...(row.pid !== undefined ? { pid: row.pid } : {}),
          })} />
        {view.notes.length > 0 && <ul className="notes">{view.notes.map((n, i) => <li key={i}>{n}</li>)}</ul>}
      </section>
      <StragglerTable stragglers={view.stragglers} straggler={straggler} />
      <CollectivesTable collectives={view.collectives} ranks={view.ranks.map((r) => r.rank)} />
      <CommTable comm={view.comm ?? []} />
      <ProblemsList problems={view.problems} />
      <RankFindings findings={view.findings} />
    </div>
  );
}
