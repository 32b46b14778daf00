// The dashboard's state: what the host sends (kept across reloads with the view state), the trace's window
// (with reveals that come before the profile's extent is known) and the summary timeline's zoom.
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  type DashboardState, type ProfileOverview, ProgressNotification, ReadyCommand, SearchRequest, StateNotification, type ViewState,
  ZoomRequest, timelineReveal,
} from '../../src/protocol/dashboard.js';
import { handleResponse, loadState, post, request, saveState } from './host.js';
import { revealRange, type Viewport } from './trace/viewport.js';

const DEFAULT_VIEW: ViewState = { profilePath: '', sort: { key: 'msPerIter', dir: 'desc' }, category: 'all' };

/**
 * The host's state and the view state, saved together; posts `ready` once listening. `showInTrace` switches
 * to the trace tab at a window (the host's timeline/reveal does the same).
 */
export function useDashboard() {
  const [saved] = useState(loadState);
  const [state, setState] = useState<DashboardState | null>(saved?.last ?? null);
  const [view, setView] = useState<ViewState>(saved?.view ?? DEFAULT_VIEW);
  const trace = useTraceWindow(state?.overview);
  const { reveal } = trace;
  const showInTrace = useCallback((startNs: number, endNs: number) => {
    setView((v) => ({ ...v, tab: 'trace' }));
    reveal({ startNs, endNs });
  }, [reveal]);

  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      const msg: unknown = e.data;
      if (handleResponse(msg)) return;
      const r = timelineReveal(msg);
      if (r) showInTrace(r.startNs, r.endNs);
      else if (StateNotification.is(msg)) setState(msg.params);
      else if (ProgressNotification.is(msg)) setState((s) => (s ? { ...s, progress: msg.params } : s));
    };
    window.addEventListener('message', onMessage);
    post(ReadyCommand, {});
    return () => window.removeEventListener('message', onMessage);
  }, []);

  useEffect(() => {
    saveState({ view: { ...view, profilePath: state?.profile.path ?? view.profilePath }, last: state });
  }, [state, view]);

  return { state, view, setView, trace, showInTrace };
}

/** The trace's extent (null until the profile is read) and window; a window revealed before the extent is known waits for it. */
function useTraceWindow(overview: ProfileOverview | null | undefined) {
  const [view, setView] = useState<Viewport | null>(null);
  const [pending, reveal] = useState<Viewport | null>(null);
  const extent = useMemo(
    () => (overview ? { startNs: overview.startNs, endNs: Math.max(overview.endNs, overview.startNs + 1) } : null),
    [overview?.startNs, overview?.endNs],
  );
  useEffect(() => {
    if (!extent || !pending) return;
    setView(revealRange(pending.startNs, pending.endNs, extent, 0));
    reveal(null);
  }, [extent?.startNs, extent?.endNs, pending]);
  return { extent, view, setView, reveal };
}

/**
 * The summary timeline's zoomed overview (null: the whole profile) and the error of the last zoom or kernel
 * lookup; `openKernel` opens the trace at a kernel's first launch.
 */
export function useZoom(showInTrace: (startNs: number, endNs: number) => void) {
  const [zoom, setZoom] = useState<ProfileOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const zoomTo = useCallback((startNs: number, endNs: number) => {
    setError(null);
    request(ZoomRequest, { startNs, endNs, bins: 400 }).then(setZoom, (e: Error) => setError(e.message));
  }, []);
  const openKernel = useCallback((name: string) => {
    setError(null);
    request(SearchRequest, { query: name, limit: 1 }).then((r) => {
      const hit = r.hits[0];
      if (!hit) { setError(`${name} was not found in the trace`); return; }
      const pad = Math.max(hit.endNs - hit.startNs, 1) * 20;
      showInTrace(hit.startNs - pad, hit.endNs + pad);
    }, (e: Error) => setError(e.message));
  }, [showInTrace]);
  const reset = useCallback(() => setZoom(null), []);
  return { zoom, error, zoomTo, openKernel, reset };
}
