// The message protocol between the extension host and the dashboard webview (the webview app imports it from
// here). No runtime dependency beyond ./ipc (types from the engine are erased). Commands go webview → host,
// notifications host → webview, requests carry an id and are answered by a response with the same id.
import type { ProfileDiagnosis, ProfileFinding } from '../core/findings.js';
import type { GpuTimeResult, OverviewKernel, OverviewLane, ProfileOverview } from '../core/overview.js';
import type { TileLane, TileSlice, TimelineTiles } from '../profile/queries/timeline.js';
import type { SliceDetails } from '../profile/queries/slice-details.js';
import type { SearchHit, SearchResult } from '../profile/queries/timeline-search.js';
import { type Check, IpcType, RequestType, anyParams, isObject, obj } from './ipc.js';

export type { GpuTimeResult, OverviewKernel, OverviewLane, ProfileDiagnosis, ProfileFinding, ProfileOverview, SearchHit, SearchResult, SliceDetails, TileLane, TileSlice, TimelineTiles };

export interface FindingView {
  id: string;
  runId: string;
  category: string;
  categoryName: string;
  title: string;
  file: string;
  function: string;
  line: number;
  severity: 'critical' | 'high' | 'medium' | 'low';
  msPerIter: number;
  pctOfIter: number;
  confidence: number;
  /** one line per evidence item */
  evidence: string[];
  /** the best verified patch for this finding, if any */
  patch?: { id: string; verdict: string; speedup: number | null; low: number | null; high: number | null };
}

export interface RoundView {
  index: number;
  iterationMs: number | null;
  low: number | null;
  high: number | null;
  accepted: Array<{ patchId: string; findingId: string; pattern: string; speedup: number | null }>;
  /** this round's profile against the previous round's (`sysight diff`) */
  profileDiff?: { verdict: string; headline: string };
}

export interface RunView {
  id: string;
  status: string;
  createdAt: string;
  rounds: RoundView[];
}

export interface ProgressView {
  active: boolean;
  title?: string;
  stage?: string;
  message?: string;
  /** 0..1 when known */
  fraction?: number;
}

export interface DashboardState {
  profile: { path: string; name: string };
  overview: ProfileOverview | null;
  overviewStatus: {
    state: 'loading' | 'ready' | 'error'; message?: string; fraction?: number;
    /**
     * The file is not a profile (a SQLite database that is not an nsys export, a gzip that is not a trace): the
     * dashboard offers VS Code's default editor, and to always use it for `kind` files that are not profiles
     * (the custom editor's file-name pattern, null for a file opened here on purpose, like a plain *.json).
     */
    notProfile?: { kind: string | null };
  };
  findings: FindingView[];
  run: RunView | null;
  progress: ProgressView;
  trusted: boolean;
  /** processes with GPU work in this profile (one per rank in a multi-rank export); >1 shows the Ranks tab */
  rankProcesses?: number;
  /** the diagnosis from the profile alone, computed as soon as the profile is open (absent until then) */
  diagnosis?: ProfileDiagnosis;
  /** why the profile has no run's findings yet, in words (no trusted folder, no code, the last analyze's notes) */
  analyzeNotes?: string[];
}

/** The worker query that answers the profile-only diagnosis of the open profile (src/analyze/diagnose). */
export const DIAGNOSIS_QUERY = 'profile-diagnosis';

/** State the webview keeps across hide/reload with getState/setState. */
export interface ViewState {
  profilePath: string;
  sort: { key: FindingSortKey; dir: 'asc' | 'desc' };
  category: string | 'all';
  /** which view of the profile is shown (absent in state saved before the trace view existed) */
  tab?: 'summary' | 'trace' | 'ranks';
}

export type FindingSortKey = 'category' | 'msPerIter' | 'pctOfIter' | 'file' | 'confidence';

// webview → host
export const ReadyCommand = new IpcType<Record<string, never>>('ready', anyParams as Check<Record<string, never>>);
export const RevealCommand = new IpcType<{ file: string; line: number }>('reveal', obj({ file: 'string', line: 'number' }));
export const OpenPatchCommand = new IpcType<{ runId: string; patchId: string }>('openPatch', obj({ runId: 'string', patchId: 'string' }));
/** reopenDefault: this file in VS Code's default editor; alwaysDefault: that, remembered for its kind of file */
export type HostAction = 'analyze' | 'closedLoop' | 'optimize' | 'cancel' | 'showLogs' | 'reopenDefault' | 'alwaysDefault';
const ACTIONS: HostAction[] = ['analyze', 'closedLoop', 'optimize', 'cancel', 'showLogs', 'reopenDefault', 'alwaysDefault'];
export const ActionCommand = new IpcType<{ action: HostAction }>(
  'action',
  (p: unknown): p is { action: HostAction } => isObject(p) && ACTIONS.includes(p.action as HostAction),
);
/** Re-bin the timeline over a range (zoom); answered with a ProfileOverview. */
export const ZoomRequest = new RequestType<{ startNs: number; endNs: number; bins: number }, ProfileOverview>(
  'zoom',
  obj({ startNs: 'number', endNs: 'number', bins: 'number' }),
);

// The trace view: tiles of the visible window at its width, one slice's details, name search. The host runs
// them as worker queries (timeline-tiles, slice-details, timeline-search), latest request of each kind wins.
export interface TilesParams { startNs: number; endNs: number; pixels: number }
export const TilesRequest = new RequestType<TilesParams, TimelineTiles>(
  'timeline/tiles',
  obj({ startNs: 'number', endNs: 'number', pixels: 'number' }),
);
/** by the table and row a one-event tile slice carries, or by lane and time (a merged slice) */
export type DetailsParams = { table: number; row: number } | { lane: string; timeNs: number; toleranceNs: number };
export const SliceDetailsRequest = new RequestType<DetailsParams, SliceDetails>(
  'timeline/details',
  (p: unknown): p is DetailsParams => obj({ table: 'number', row: 'number' })(p) || obj({ lane: 'string', timeNs: 'number', toleranceNs: 'number' })(p),
);
export interface SearchParams { query: string; limit: number; fromNs?: number }
export const SearchRequest = new RequestType<SearchParams, SearchResult>('timeline/search', obj({ query: 'string', limit: 'number' }));

// host → webview
export interface RevealWindow { startNs: number; endNs: number }
/** Switch to the trace view and show this window (e.g. one rank's step, from the ranks heatmap). */
export const TimelineRevealNotification = new IpcType<RevealWindow>('timeline/reveal', obj({ startNs: 'number', endNs: 'number' }));
/** The reveal window of a message in either form: `{method: 'timeline/reveal', params}` or `{type: 'timeline/reveal', startNs, endNs}`. */
export function timelineReveal(msg: unknown): RevealWindow | null {
  if (TimelineRevealNotification.is(msg)) return msg.params;
  if (isObject(msg) && msg.type === 'timeline/reveal' && obj<RevealWindow>({ startNs: 'number', endNs: 'number' })(msg)) {
    return { startNs: msg.startNs, endNs: msg.endNs };
  }
  return null;
}
export const StateNotification = new IpcType<DashboardState>('state', obj({ profile: 'object', progress: 'object' }));
export const ProgressNotification = new IpcType<ProgressView>('progress', obj({ active: 'boolean' }));
