// Tiles for the visible window at the view's width: asked for after a short pause in the view's movement
// (debounced), and only the answer to the latest request is applied (latest wins; the host cancels the ones
// before). Until it comes, the previous tiles stay on screen, drawn at the new view.
import { useEffect, useRef, useState } from 'react';
import { TilesRequest, type TimelineTiles } from '../../../src/protocol/dashboard.js';
import { request } from '../host.js';
import type { Viewport } from './viewport.js';

export const DEBOUNCE_MS = 40;

/** `generation` changes when the host's profile changes state (e.g. it finished opening): asks again. */
export function useTiles(view: Viewport | null, pixels: number, generation = ''): { tiles: TimelineTiles | null; error: string | null; requests: number } {
  const [tiles, setTiles] = useState<TimelineTiles | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const [requests, setRequests] = useState(0);

  useEffect(() => {
    if (!view || pixels < 1) return;
    const timer = setTimeout(() => {
      const mine = ++seq.current;
      setRequests(mine);
      request(TilesRequest, { startNs: view.startNs, endNs: view.endNs, pixels: Math.round(pixels) }).then(
        (t) => {
          if (mine !== seq.current) return;
          setTiles(t);
          setError(null);
        },
        (e: Error) => {
          if (mine === seq.current && e.message !== 'cancelled') setError(e.message);
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [view?.startNs, view?.endNs, pixels, generation]);

  return { tiles, error, requests };
}
