// Kernel / NVTX name search: Enter searches (timeline-search in the worker), Enter again or ▶ jumps to the next
// match, Shift+Enter or ◀ to the previous one; walking past the last match of a capped answer asks for the next
// page from its start time.
import { useState } from 'react';
import { SearchRequest, type SearchHit, type SearchResult } from '../../../src/protocol/dashboard.js';
import { request } from '../host.js';

export const PAGE = 200;

const key = (h: SearchHit) => `${h.table}:${h.row}`;

export function SearchBox(props: { onJump: (hit: SearchHit) => void }) {
  const [text, setText] = useState('');
  const [result, setResult] = useState<SearchResult | null>(null);
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [index, setIndex] = useState(-1);
  const [error, setError] = useState<string | null>(null);

  const jump = (list: SearchHit[], i: number) => {
    setIndex(i);
    if (list[i]) props.onJump(list[i]!);
  };

  const search = async () => {
    const q = text.trim();
    if (!q) return;
    setError(null);
    try {
      const r = await request(SearchRequest, { query: q, limit: PAGE });
      setResult(r);
      setHits(r.hits);
      jump(r.hits, r.hits.length ? 0 : -1);
    } catch (e) {
      if ((e as Error).message !== 'cancelled') setError((e as Error).message);
    }
  };

  const step = async (dir: 1 | -1) => {
    if (!result || hits.length === 0) return;
    let i = index + dir;
    if (i < 0) i = hits.length - 1;
    if (i >= hits.length && result.truncated && hits.length < result.total) {
      // next page: from the last hit's start, without the hits already held
      const more = await request(SearchRequest, { query: result.query, limit: PAGE, fromNs: hits[hits.length - 1]!.startNs });
      const seen = new Set(hits.map(key));
      const next = [...hits, ...more.hits.filter((h) => !seen.has(key(h)))];
      setHits(next);
      setResult({ ...result, truncated: more.truncated });
      return jump(next, i < next.length ? i : 0);
    }
    jump(hits, i % hits.length);
  };

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (result && result.query === text.trim()) void step(e.shiftKey ? -1 : 1);
    else void search();
  };

  return (
    <div className="trace-search" role="search">
      <input
        type="search"
        data-testid="trace-search"
        placeholder="Find kernel or NVTX range"
        aria-label="Find kernel or NVTX range"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKey}
      />
      <button className="link" title="Previous match (Shift+Enter)" data-testid="search-prev" disabled={!hits.length} onClick={() => void step(-1)}>◀</button>
      <button className="link" title="Next match (Enter)" data-testid="search-next" disabled={!hits.length} onClick={() => void step(1)}>▶</button>
      <span className="muted" data-testid="search-status">
        {error ?? (result ? (result.total === 0 ? 'no matches' : `${index + 1} / ${result.total.toLocaleString()}`) : '')}
      </span>
    </div>
  );
}
