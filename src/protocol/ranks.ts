// Messages of the ranks view (issue 9), between the extension host and the React app (standalone panel or the
// dashboard's Ranks tab). The view model itself is built in src/analyze/ranks/view.ts; its types are erased here.
import type { RankProblem, RankTotals, StragglerEntry } from '../core/ranks.js';
import type { CollectiveOpView, RankMetric, RankRowView, RankStepCell, RanksView } from '../analyze/ranks/view.js';
import { IpcType, isObject } from './ipc.js';

export type { CollectiveOpView, RankMetric, RankProblem, RankRowView, RankStepCell, RanksView, RankTotals, StragglerEntry };

/** Labels of the heatmap's colour metrics. */
export const RANK_METRICS: Array<{ value: RankMetric; label: string }> = [
  { value: 'step', label: 'Step time' },
  { value: 'exposedComm', label: 'Exposed communication' },
  { value: 'idle', label: 'GPU idle' },
  { value: 'dataLoad', label: 'Data loading' },
];

/** The rank the view calls the straggler: the top of the ranking, when it did make others wait or is slower. */
export function topStraggler(v: Pick<RanksView, 'stragglers'>): number | null {
  const s = v.stragglers[0];
  return s && (s.causedWaitNs > 0 || s.stepTimeExcess > 0.02) ? s.rank : null;
}

// ---- messages ------------------------------------------------------------------------------------

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isInt = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;

function isRanksView(p: unknown): p is RanksView {
  return isObject(p) && typeof p.title === 'string' && isInt(p.worldSize) && Array.isArray(p.ranks) && Array.isArray(p.steps)
    && Array.isArray(p.stragglers) && Array.isArray(p.collectives) && Array.isArray(p.problems)
    && p.ranks.every((r) => isObject(r) && isInt(r.rank) && typeof r.source === 'string' && Array.isArray(r.cells)
      && (r.cells as unknown[]).length === (p.steps as unknown[]).length);
}

/** Loading state of a ranks view: computing (with progress), ready (the view), or failed. */
export type RanksStatus =
  | { state: 'loading'; message?: string; fraction?: number }
  | { state: 'ready'; view: RanksView }
  | { state: 'error'; message: string };

function isRanksStatus(p: unknown): p is RanksStatus {
  if (!isObject(p)) return false;
  if (p.state === 'loading') return (p.message === undefined || typeof p.message === 'string') && (p.fraction === undefined || isNum(p.fraction));
  if (p.state === 'ready') return isRanksView(p.view);
  if (p.state === 'error') return typeof p.message === 'string';
  return false;
}

// host → webview
/** The whole ranks view (standalone panel, or the Ranks tab of a dashboard). */
export const RanksStateNotification = new IpcType<RanksStatus>('ranks/state', isRanksStatus);

// webview → host
/** The dashboard's Ranks tab asks for the ranks of its profile; the host answers with ranks/state notifications. */
export const RanksComputeCommand = new IpcType<{ cancel?: boolean }>(
  'ranks/compute', (p: unknown): p is { cancel?: boolean } => isObject(p) && (p.cancel === undefined || typeof p.cancel === 'boolean'));

export interface OpenRankParams {
  rank: number;
  /** the rank's profile */
  source: string;
  step: number;
  /** the step's window on that rank's clock */
  startNs: number;
  endNs: number;
  pid?: number;
}
/** A heatmap cell was activated: open that rank's profile and reveal the step on its timeline. */
export const OpenRankCommand = new IpcType<OpenRankParams>('ranks/openRank', (p: unknown): p is OpenRankParams =>
  isObject(p) && isInt(p.rank) && typeof p.source === 'string' && p.source.length > 0 && isInt(p.step)
  && isNum(p.startNs) && isNum(p.endNs) && p.endNs >= p.startNs && (p.pid === undefined || isInt(p.pid)));

