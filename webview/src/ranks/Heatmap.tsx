// Rank × step heatmap: one cell per rank and step, coloured by the chosen metric between the smallest and the
// largest value in view. A grid with one tab stop (roving tabindex): arrows, Home/End move, Enter or Space
// (or a click) opens that rank's timeline at that step.
import { useCallback, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ms } from '../format.js';
import { RANK_METRICS, type RankMetric, type RankRowView, type RankStepCell } from '../../../src/protocol/ranks.js';

export interface HeatmapProps {
  ranks: RankRowView[];
  steps: number[];
  metric: RankMetric;
  straggler: number | null;
  onOpen: (row: RankRowView, cell: RankStepCell) => void;
}

/** Most heatmap columns drawn; longer runs show groups of consecutive steps (their mean, their whole window). */
export const MAX_COLUMNS = 240;

export interface Column { from: number; to: number }

/** Consecutive steps grouped so that at most `max` columns remain; each rank's cells merged the same way. */
export function groupSteps(ranks: RankRowView[], steps: number[], max = MAX_COLUMNS): { columns: Column[]; rows: RankRowView[] } {
  const k = Math.max(1, Math.ceil(steps.length / max));
  if (k === 1) return { columns: steps.map((s) => ({ from: s, to: s })), rows: ranks };
  const columns: Column[] = [];
  for (let i = 0; i < steps.length; i += k) columns.push({ from: steps[i]!, to: steps[Math.min(steps.length, i + k) - 1]! });
  const rows = ranks.map((r) => ({
    ...r,
    cells: columns.map((_, g) => {
      const part = r.cells.slice(g * k, g * k + k).filter((c): c is RankStepCell => c !== null);
      if (!part.length) return null;
      const mean = (m: RankMetric) => part.reduce((a, c) => a + c.values[m], 0) / part.length;
      return {
        step: part[0]!.step, startNs: Math.min(...part.map((c) => c.startNs)), endNs: Math.max(...part.map((c) => c.endNs)),
        values: { step: mean('step'), exposedComm: mean('exposedComm'), idle: mean('idle'), dataLoad: mean('dataLoad') },
      };
    }),
  }));
  return { columns, rows };
}

/** 0..1 position of v between lo and hi (0.5 when all values are equal). A cell mixes 10% (lo) to 100% (hi) of
 * the hot colour into the editor background, so the coolest cell still stands out from the page. */
export function heat(v: number, lo: number, hi: number): number {
  if (!(hi > lo)) return 0.5;
  return Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
}

export function Heatmap(props: HeatmapProps) {
  const { metric, straggler, onOpen } = props;
  const { columns, rows: ranks } = useMemo(() => groupSteps(props.ranks, props.steps), [props.ranks, props.steps]);
  const grouped = columns.some((c) => c.to !== c.from);
  const [active, setActive] = useState<{ r: number; c: number }>({ r: 0, c: 0 });
  const gridRef = useRef<HTMLDivElement>(null);
  const label = RANK_METRICS.find((m) => m.value === metric)!.label;

  // The scale spans at least a tenth of the median step: ranks within 0.2% of each other stay one colour
  // instead of being stretched over the whole scale.
  const [lo, hi] = useMemo(() => {
    let a = Infinity;
    let b = -Infinity;
    const stepsMs: number[] = [];
    for (const r of ranks) for (const c of r.cells) if (c) { a = Math.min(a, c.values[metric]); b = Math.max(b, c.values[metric]); stepsMs.push(c.values.step); }
    if (!Number.isFinite(a)) return [0, 0];
    stepsMs.sort((x, y) => x - y);
    return [a, Math.max(b, a + 0.1 * (stepsMs[Math.floor(stepsMs.length / 2)] ?? 0))];
  }, [ranks, metric]);

  const focusCell = useCallback((r: number, c: number) => {
    setActive({ r, c });
    gridRef.current?.querySelector<HTMLElement>(`[data-r="${r}"][data-c="${c}"]`)?.focus();
  }, []);

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const { r, c } = active;
    const last = { r: ranks.length - 1, c: columns.length - 1 };
    const moves: Record<string, [number, number]> = {
      ArrowUp: [Math.max(0, r - 1), c], ArrowDown: [Math.min(last.r, r + 1), c],
      ArrowLeft: [r, Math.max(0, c - 1)], ArrowRight: [r, Math.min(last.c, c + 1)],
      Home: [r, 0], End: [r, last.c],
    };
    const to = moves[e.key];
    if (to) {
      e.preventDefault();
      focusCell(to[0], to[1]);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      const row = ranks[r];
      const cell = row?.cells[c];
      if (row && cell) onOpen(row, cell);
    }
  };

  if (!ranks.length || !columns.length) return <p className="muted" data-testid="heatmap-empty">No steps were found on any rank.</p>;
  return (
    <div className="heatmap-wrap">
      <div
        ref={gridRef}
        className="heatmap"
        role="grid"
        aria-label={`${label} by rank and step (ms). Arrow keys move, Enter opens the rank's timeline at that step.`}
        data-testid="heatmap"
        onKeyDown={onKey}
        style={{ gridTemplateColumns: `max-content repeat(${columns.length}, minmax(8px, 1fr))` }}
      >
        <div role="row" className="heat-row head">
          <div role="columnheader" className="heat-corner">rank \ step</div>
          {columns.map((col, i) => (
            <div role="columnheader" key={col.from} className="heat-step" title={stepLabel(col)}>
              {columns.length <= 40 || i % 10 === 0 ? col.from : ''}
            </div>
          ))}
        </div>
        {ranks.map((row, r) => (
          <div role="row" key={`${row.source}#${row.rank}`} className={`heat-row${row.rank === straggler ? ' straggler' : ''}`}
            data-testid="heat-row" data-rank={row.rank}>
            <div role="rowheader" className="heat-rank" title={`${row.source}${row.pid !== undefined ? ` (pid ${row.pid})` : ''}`}>
              rank {row.rank}{row.rank === straggler ? ' ⚑' : ''}
            </div>
            {row.cells.map((cell, c) => {
              const focus = active.r === r && active.c === c ? 0 : -1;
              const common = {
                role: 'gridcell', 'data-testid': 'rank-cell', 'data-r': r, 'data-c': c, 'data-rank': row.rank, 'data-step': columns[c]!.from,
                tabIndex: focus, onFocus: () => setActive({ r, c }),
              } as const;
              if (!cell) {
                const t = `rank ${row.rank}, ${stepLabel(columns[c]!)}: no data`;
                return <div key={c} {...common} className="heat-cell missing" title={t} aria-label={t} />;
              }
              const v = cell.values[metric];
              const t = `rank ${row.rank}, ${stepLabel(columns[c]!)}: ${label.toLowerCase()} ${ms(v)}${grouped ? ' (mean)' : ''} (step ${ms(cell.values.step)})`;
              return (
                <div key={c} {...common} className="heat-cell" title={t} aria-label={t} data-value={v}
                  style={{ backgroundColor: `color-mix(in srgb, var(--sy-heat-hi) ${Math.round(10 + heat(v, lo, hi) * 90)}%, var(--sy-heat-lo))` }}
                  onClick={() => { setActive({ r, c }); onOpen(row, cell); }} />
              );
            })}
          </div>
        ))}
      </div>
      <div className="legend heat-legend" data-testid="heat-legend">
        <span>{label}: {ms(lo)}</span><span className="heat-scale" aria-hidden="true" /><span>{ms(hi)}</span>
        {straggler !== null && <span>⚑ straggler: rank {straggler}</span>}
        {grouped && <span data-testid="heat-grouped">{props.steps.length} steps in {columns.length} columns of {columns[0]!.to - columns[0]!.from + 1}</span>}
      </div>
    </div>
  );
}

function stepLabel(c: Column): string {
  return c.from === c.to ? `step ${c.from}` : `steps ${c.from}–${c.to}`;
}
