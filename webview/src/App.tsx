// The dashboard: header with actions, live progress, timeline, top kernels, findings, rounds.
import { useCallback, useEffect, useState } from 'react';
import {
  ActionCommand, ReadyCommand, type DashboardState, type FindingSortKey, type FindingView, OpenPatchCommand, type ProfileOverview,
  ProgressNotification, RevealCommand, StateNotification, type ViewState, ZoomRequest,
} from './protocol.js';
import { handleResponse, loadState, post, request, saveState } from './host.js';
import { Timeline } from './components/Timeline.js';
import { KernelsTable } from './components/KernelsTable.js';
import { FindingsTable } from './components/FindingsTable.js';
import { RoundsChart } from './components/RoundsChart.js';
import { Progress } from './components/Progress.js';
import { Button, Spinner } from './components/toolkit.js';
import { RanksTab } from './ranks/RanksApp.js';
import { DashboardTabs, type DashboardTab } from './ranks/Tabs.js';
import { isTimelineReveal } from './ranks/protocol.js';

const DEFAULT_VIEW: ViewState = { profilePath: '', sort: { key: 'msPerIter', dir: 'desc' }, category: 'all' };

export function App() {
  const saved = loadState();
  const [state, setState] = useState<DashboardState | null>(saved?.last ?? null);
  const [view, setView] = useState<ViewState>(saved?.view ?? DEFAULT_VIEW);
  const [zoom, setZoom] = useState<ProfileOverview | null>(null);
  const [zoomError, setZoomError] = useState<string | null>(null);
  const [tab, setTab] = useState<DashboardTab>('profile');

  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      const msg: unknown = e.data;
      if (handleResponse(msg)) return;
      if (StateNotification.is(msg)) setState(msg.params);
      else if (ProgressNotification.is(msg)) setState((s) => (s ? { ...s, progress: msg.params } : s));
      else if (isTimelineReveal(msg)) setTab('profile'); // a rank's step: the timeline shows it
    };
    window.addEventListener('message', onMessage);
    post(ReadyCommand, {});
    return () => window.removeEventListener('message', onMessage);
  }, []);

  useEffect(() => {
    saveState({ view: { ...view, profilePath: state?.profile.path ?? view.profilePath }, last: state });
  }, [state, view]);

  const onSort = useCallback((key: FindingSortKey) => {
    setView((v) => ({ ...v, sort: { key, dir: v.sort.key === key && v.sort.dir === 'desc' ? 'asc' : 'desc' } }));
  }, []);
  const onReveal = useCallback((f: FindingView) => post(RevealCommand, { file: f.file, line: f.line }), []);
  const onOpenPatch = useCallback((f: FindingView) => {
    if (f.patch) post(OpenPatchCommand, { runId: f.runId, patchId: f.patch.id });
  }, []);
  const onZoom = useCallback((startNs: number, endNs: number) => {
    setZoomError(null);
    request(ZoomRequest, { startNs, endNs, bins: 400 }).then(setZoom, (e: Error) => setZoomError(e.message));
  }, []);

  if (!state) {
    return <main className="loading"><Spinner /> <span>Opening profile…</span></main>;
  }
  const overview = zoom ?? state.overview;
  const os = state.overviewStatus;
  const rankTabs = (state.rankProcesses ?? 0) > 1;
  return (
    <main data-testid="dashboard" className={rankTabs && tab === 'ranks' ? 'show-ranks' : undefined}>
      <header className="top">
        <h1 title={state.profile.path}>{state.profile.name}</h1>
        <span className="spacer" />
        <Button
          testId="analyze"
          disabled={!state.trusted || state.progress.active}
          title={state.trusted ? 'Join this profile to the code of the open folder' : 'Needs a trusted workspace'}
          onClick={() => post(ActionCommand, { action: 'analyze' })}
        >Analyze</Button>
        <Button
          secondary
          disabled={!state.trusted || state.progress.active}
          title={state.trusted ? 'Profile, analyze, patch and verify in a sandbox' : 'Needs a trusted workspace'}
          onClick={() => post(ActionCommand, { action: 'closedLoop' })}
        >Run Closed Loop</Button>
      </header>
      {rankTabs && <DashboardTabs tab={tab} ranks={state.rankProcesses!} onTab={setTab} />}
      {rankTabs && tab === 'ranks' && <RanksTab />}
      {!state.trusted && <p className="banner" data-testid="untrusted">Restricted mode: viewing only. Trust this workspace to analyze or run workloads.</p>}
      <Progress progress={state.progress} onCancel={() => post(ActionCommand, { action: 'cancel' })} />
      {os.state === 'loading' && (
        <section className="card progress" data-testid="overview-loading">
          <Spinner />
          <div className="progress-text">Reading profile… {os.message ?? ''}
            {os.fraction !== undefined && <div className="share wide"><div style={{ width: `${os.fraction * 100}%` }} /></div>}
          </div>
        </section>
      )}
      {os.state === 'error' && (
        <p className="banner error" data-testid="overview-error">
          {os.message} {state.overview ? '(showing the summary saved with the latest run)' : ''}
          {' '}<button className="link" onClick={() => post(ActionCommand, { action: 'showLogs' })}>View logs</button>
        </p>
      )}
      {zoomError && <p className="banner error">{zoomError}</p>}
      {overview && (
        <Timeline overview={overview} onZoom={onZoom} zoomed={zoom !== null} onReset={() => setZoom(null)} />
      )}
      <FindingsTable
        findings={state.findings}
        sort={view.sort}
        category={view.category}
        onSort={onSort}
        onCategory={(category) => setView((v) => ({ ...v, category }))}
        onReveal={onReveal}
        onOpenPatch={onOpenPatch}
      />
      {state.run && <RoundsChart run={state.run} />}
      {overview && <KernelsTable kernels={overview.topKernels} />}
    </main>
  );
}
