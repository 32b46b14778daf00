// What the trace shows and what is picked in it: the rows (merged from every tile answer, groups folded by a
// click on their header) and the selected slice with its details from the host.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { SliceDetailsRequest, type SliceDetails, type TimelineTiles } from '../../../src/protocol/dashboard.js';
import { request } from '../host.js';
import { type Row, mergeRows, visibleRows } from './layout.js';

export function useRows(tiles: TimelineTiles | null) {
  const [allRows, setRows] = useState<Row[]>([]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(() => visibleRows(allRows, collapsed), [allRows, collapsed]);
  useEffect(() => { if (tiles) setRows((r) => mergeRows(r, tiles)); }, [tiles]);
  const toggle = useCallback((group: string) => setCollapsed((c) => {
    const next = new Set(c);
    if (!next.delete(group)) next.add(group);
    return next;
  }), []);
  /** unfolds the group a lane is in */
  const reveal = useCallback((lane: string) => {
    const group = allRows.find((r) => r.id === lane)?.group;
    if (group) setCollapsed((c) => (c.has(group) ? new Set([...c].filter((g) => g !== group)) : c));
  }, [allRows]);
  return { rows, collapsed, toggle, reveal };
}

export interface Selected { lane: string; startNs: number; endNs: number }

export type SliceKey = { table: number; row: number } | { lane: string; timeNs: number; toleranceNs: number };

/** The selected slice: highlighted at once, then its details (and exact extent) as the host answers. */
export function useSliceDetails() {
  const [selected, setSelected] = useState<Selected | null>(null);
  const [details, setDetails] = useState<SliceDetails | null>(null);
  const [error, setError] = useState<string | null>(null);
  const select = useCallback((lane: string, startNs: number, endNs: number, key: SliceKey) => {
    setSelected({ lane, startNs, endNs });
    setError(null);
    request(SliceDetailsRequest, key).then((d) => {
      setDetails(d);
      setSelected({ lane: d.lane, startNs: d.startNs, endNs: d.endNs });
    }, (e: Error) => { if (e.message !== 'cancelled') { setDetails(null); setError(e.message); } });
  }, []);
  const close = useCallback(() => { setDetails(null); setError(null); setSelected(null); }, []);
  return { selected, details, error, select, close };
}
