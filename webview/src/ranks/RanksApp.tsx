// Roots of the ranks view: the standalone panel (Sysight: Open Ranks) and the Ranks tab of a dashboard.
import { useEffect } from 'react';
import { post } from '../host.js';
import { ReadyCommand } from '../../../src/protocol/dashboard.js';
import { RanksComputeCommand } from '../../../src/protocol/ranks.js';
import { RanksStatusView, useRanksStatus } from './RanksView.js';

/** The panel opened by Sysight: Open Ranks: the host computes, then pushes ranks/state. */
export function RanksApp() {
  const status = useRanksStatus();
  useEffect(() => post(ReadyCommand, {}), []);
  return (
    <main data-testid="ranks-panel">
      <header className="top">
        <h1>{status.state === 'ready' ? status.view.title : 'Ranks'}</h1>
      </header>
      <RanksStatusView status={status} />
    </main>
  );
}

/** The Ranks tab of a dashboard: asks the host for the ranks of the open profile when first shown. */
export function RanksTab() {
  const status = useRanksStatus();
  useEffect(() => post(RanksComputeCommand, {}), []);
  return (
    <section className="ranks-tab-body" data-testid="ranks-tab">
      <RanksStatusView status={status} onRetry={() => post(RanksComputeCommand, {})} />
    </section>
  );
}
