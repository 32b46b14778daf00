// The dashboard: header with actions, live progress, timeline, top kernels, findings, rounds.
import { useCallback } from 'react';
import {
  ActionCommand, type DashboardState, type FindingSortKey, type FindingView, OpenPatchCommand, RevealCommand, type ViewState,
} from '../../src/protocol/dashboard.js';
import { DiagnosisPanel } from './components/DiagnosisPanel.js';
import { GpuTimeCard } from './components/GpuTimeCard.js';
import { post } from './host.js';
import { Timeline } from './components/Timeline.js';
import { KernelsTable } from './components/KernelsTable.js';
import { NotAProfile } from './components/NotAProfile.js';
import { FindingsTable } from './components/FindingsTable.js';
import { RoundsChart } from './components/RoundsChart.js';
import { Progress } from './components/Progress.js';
import { Button, Spinner } from './components/toolkit.js';
import { TraceView } from './trace/TraceView.js';
import { RanksTab } from './ranks/RanksApp.js';
import { useDashboard, useZoom } from './use-dashboard.js';

type Tab = NonNullable<ViewState['tab']>;

export function App() {
  const { state, view, setView, trace, showInTrace } = useDashboard();
  const zoom = useZoom(showInTrace);

  const onSort = useCallback((key: FindingSortKey) => {
    setView((v) => ({ ...v, sort: { key, dir: v.sort.key === key && v.sort.dir === 'desc' ? 'asc' : 'desc' } }));
  }, []);
  const onReveal = useCallback((f: FindingView) => post(RevealCommand, { file: f.file, line: f.line }), []);
  const onOpenPatch = useCallback((f: FindingView) => {
    if (f.patch) post(OpenPatchCommand, { runId: f.runId, patchId: f.patch.id });
  }, []);
  const onSource = useCallback((file: string, line: number) => post(RevealCommand, { file, line }), []);

  if (!state) {
    return <main className="loading"><Spinner /> <span>Opening profile…</span></main>;
  }
  const overview = zoom.zoom ?? state.overview;
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
  const { extent } = trace;
  return (
    <main data-testid="dashboard">
      <Header state={state} />
      {!state.trusted && <p className="banner" data-testid="untrusted">Restricted mode: viewing only. Trust this workspace to analyze or run workloads.</p>}
      <Progress progress={state.progress} onCancel={() => post(ActionCommand, { action: 'cancel' })} />
      <OverviewStatus state={state} />
      {zoom.error && <p className="banner error">{zoom.error}</p>}
      <Tabs tabs={ranks > 1 ? ['summary', 'trace', 'ranks'] : ['summary', 'trace']} tab={tab} ranks={ranks} onTab={(t) => setView((v) => ({ ...v, tab: t }))} />
      {tab === 'ranks' && <RanksTab />}
      {tab === 'trace' && (extent
        ? <TraceView extent={extent} view={trace.view ?? extent} onView={trace.setView} generation={state.overviewStatus.state} onSource={onSource} />
        : <p className="muted" data-testid="trace-waiting">The trace view opens once the profile has been read.</p>)}
      {tab === 'summary' && (state.diagnosis || os.state === 'ready') && (
        <DiagnosisPanel diagnosis={state.diagnosis} ready={os.state === 'ready'} onRange={showInTrace} onSource={onSource} />
      )}
      {tab === 'summary' && overview && (
        <Timeline overview={overview} onZoom={zoom.zoomTo} zoomed={zoom.zoom !== null} onReset={zoom.reset} />
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
      {overview && <KernelsTable kernels={overview.topKernels} onKernel={zoom.openKernel} />}
    </main>
  );
}

/** The profile's name and the two actions, enabled in a trusted workspace when nothing is running. */
function Header(props: { state: DashboardState }) {
  const { state } = props;
  return (
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
  );
}

/** While the profile is read, its progress; when reading failed, the error (and that a saved summary is shown). */
function OverviewStatus(props: { state: DashboardState }) {
  const os = props.state.overviewStatus;
  if (os.state === 'loading') {
    return (
      <section className="card progress" data-testid="overview-loading">
        <Spinner />
        <div className="progress-text">Reading profile… {os.message ?? ''}
          {os.fraction !== undefined && <div className="share wide"><div style={{ width: `${os.fraction * 100}%` }} /></div>}
        </div>
      </section>
    );
  }
  if (os.state !== 'error') return null;
  return (
    <p className="banner error" data-testid="overview-error">
      {os.message} {props.state.overview ? '(showing the summary saved with the latest run)' : ''}
      {' '}<button className="link" onClick={() => post(ActionCommand, { action: 'showLogs' })}>View logs</button>
    </p>
  );
}

function Tabs(props: { tabs: readonly Tab[]; tab: Tab; ranks: number; onTab: (t: Tab) => void }) {
  return (
    <nav className="tabs" role="tablist">
      {props.tabs.map((t) => (
        <button
          key={t}
          role="tab"
          data-testid={`tab-${t}`}
          aria-selected={props.tab === t}
          className={props.tab === t ? 'tab active' : 'tab'}
          onClick={() => props.onTab(t)}
        >{t === 'summary' ? 'Summary' : t === 'trace' ? 'Trace' : `Ranks (${props.ranks})`}</button>
      ))}
    </nav>
  );
}
