// The dashboard: header with actions, live progress, timeline, top kernels, findings, rounds.
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  ActionCommand, ReadyCommand, type DashboardState, type FindingSortKey, type FindingView, OpenPatchCommand, type ProfileOverview,
  ProgressNotification, RevealCommand, SearchRequest, StateNotification, type ViewState, ZoomRequest, timelineReveal,
} from '../../src/protocol/dashboard.js';
import { DiagnosisPanel } from './components/DiagnosisPanel.js';
import { GpuTimeCard } from './components/GpuTimeCard.js';
import { handleResponse, loadState, post, request, saveState } from './host.js';
import { Timeline } from './components/Timeline.js';
import { KernelsTable } from './components/KernelsTable.js';
import { NotAProfile } from './components/NotAProfile.js';
import { FindingsTable } from './components/FindingsTable.js';
import { RoundsChart } from './components/RoundsChart.js';
import { Progress } from './components/Progress.js';
import { Button, Spinner } from './components/toolkit.js';
import { TraceView } from './trace/TraceView.js';
import { RanksTab } from './ranks/RanksApp.js';
import { revealRange, type Viewport } from './trace/viewport.js';

const DEFAULT_VIEW: ViewState = { profilePath: '', sort: { key: 'msPerIter', dir: 'desc' }, category: 'all' };

export function App() {
  const saved = loadState();
  const [state, setState] = useState<DashboardState | null>(saved?.last ?? null);
  const [view, setView] = useState<ViewState>(saved?.view ?? DEFAULT_VIEW);
  const [zoom, setZoom] = useState<ProfileOverview | null>(null);
  const [zoomError, setZoomError] = useState<string | null>(null);
  const [traceView, setTraceView] = useState<Viewport | null>(null);
  /** a reveal that came before the profile's extent was known */
  const [pendingReveal, setPendingReveal] = useState<Viewport | null>(null);

  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      const msg: unknown = e.data;
      if (handleResponse(msg)) return;
      const reveal = timelineReveal(msg);
      if (reveal) {
        setView((v) => ({ ...v, tab: 'trace' }));
        setPendingReveal({ ...reveal });
      } else if (StateNotification.is(msg)) setState(msg.params);
      else if (ProgressNotification.is(msg)) setState((s) => (s ? { ...s, progress: msg.params } : s));
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

  const showInTrace = useCallback((startNs: number, endNs: number) => {
    setView((v) => ({ ...v, tab: 'trace' }));
    setPendingReveal({ startNs, endNs });
  }, []);
  const onSource = useCallback((file: string, line: number) => post(RevealCommand, { file, line }), []);
  // a Top kernels row opens the trace at that kernel's first launch
  const onKernel = useCallback((name: string) => {
    setZoomError(null);
    request(SearchRequest, { query: name, limit: 1 }).then((r) => {
      const hit = r.hits[0];
      if (!hit) { setZoomError(`${name} was not found in the trace`); return; }
      const pad = Math.max(hit.endNs - hit.startNs, 1) * 20;
      showInTrace(hit.startNs - pad, hit.endNs + pad);
    }, (e: Error) => setZoomError(e.message));
  }, [showInTrace]);

  const o0 = state?.overview;
  const extent = useMemo(() => (o0 ? { startNs: o0.startNs, endNs: Math.max(o0.endNs, o0.startNs + 1) } : null), [o0?.startNs, o0?.endNs]);
  useEffect(() => {
    if (!extent || !pendingReveal) return;
    setTraceView(revealRange(pendingReveal.startNs, pendingReveal.endNs, extent, 0));
    setPendingReveal(null);
  }, [extent?.startNs, extent?.endNs, pendingReveal]);

  if (!state) {
    return <main className="loading"><Spinner /> <span>Opening profile…</span></main>;
  }
  const overview = zoom ?? state.overview;
  const os = state.overviewStatus;
  if (os.state === 'error' && os.notProfile) {
    return (
      <main data-testid="dashboard">
        <header className="top"><h1 title={state.profile.path}>{state.profile.name}</h1></header>
        <NotAProfile message={os.message ?? ''} kind={os.notProfile.kind} />
      </main>
    );
  }
  // a profile holding several rank processes gets a Ranks tab
  const ranks = state.rankProcesses ?? 0;
  const tab = view.tab === 'ranks' && ranks < 2 ? 'summary' : (view.tab ?? 'summary');
  return (
    <main data-testid="dashboard">
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
      <nav className="tabs" role="tablist">
        {(ranks > 1 ? ['summary', 'trace', 'ranks'] as const : ['summary', 'trace'] as const).map((t) => (
          <button
            key={t}
            role="tab"
            data-testid={`tab-${t}`}
            aria-selected={tab === t}
            className={tab === t ? 'tab active' : 'tab'}
            onClick={() => setView((v) => ({ ...v, tab: t }))}
          >{t === 'summary' ? 'Summary' : t === 'trace' ? 'Trace' : `Ranks (${ranks})`}</button>
        ))}
      </nav>
      {tab === 'ranks' && <RanksTab />}
      {tab === 'trace' && (extent
        ? <TraceView extent={extent} view={traceView ?? extent} onView={setTraceView} generation={state.overviewStatus.state} onSource={onSource} />
        : <p className="muted" data-testid="trace-waiting">The trace view opens once the profile has been read.</p>)}
      {tab === 'summary' && (state.diagnosis || os.state === 'ready') && (
        <DiagnosisPanel diagnosis={state.diagnosis} ready={os.state === 'ready'} onRange={showInTrace} onSource={onSource} />
      )}
      {tab === 'summary' && overview && (
        <Timeline overview={overview} onZoom={onZoom} zoomed={zoom !== null} onReset={() => setZoom(null)} />
      )}
      {tab === 'summary' && state.overview?.gpuTime && <GpuTimeCard gpuTime={state.overview.gpuTime} />}
      <FindingsTable
        findings={state.findings}
        notes={state.analyzeNotes ?? []}
        hasDiagnosis={!!state.diagnosis?.findings.length}
        sort={view.sort}
        category={view.category}
        onSort={onSort}
        onCategory={(category) => setView((v) => ({ ...v, category }))}
        onReveal={onReveal}
        onOpenPatch={onOpenPatch}
      />
      {state.run && <RoundsChart run={state.run} />}
      {overview && <KernelsTable kernels={overview.topKernels} onKernel={onKernel} />}
    </main>
  );
}
