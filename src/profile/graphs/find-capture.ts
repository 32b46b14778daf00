// The capture trace beside a profile. vLLM and Inductor's cudagraph trees, asked to profile graph capture, write the
// trace recorded while the graphs were captured next to the run's trace, with "capture" in its name and the same
// rank (`xdit_flux_capture_rank_0.json.gz` beside `xdit_flux_profile_rank_0.json.gz`,
// `vllm_decode_full_capture_rank_0.pt.trace.json.gz`). The one such file that fits is taken; when several fit
// equally, none is (the caller says which were seen).
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TRACE = /\.json(\.gz)?$/i;
const RANK = /rank[_-]?(\d+)/i;

export interface CaptureSearch {
  /** the capture trace chosen, if exactly one fits best */
  path?: string;
  /** every candidate seen (capture traces of the same rank), best first */
  candidates: string[];
}

/** Length of the common prefix of two names. */
function common(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Looks in the profile's folder for the trace its graphs were captured in. */
export function findCaptureTrace(profilePath: string): CaptureSearch {
  const dir = dirname(profilePath);
  const self = basename(profilePath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { candidates: [] };
  }
  const rank = RANK.exec(self)?.[1];
  // the profile's name as its capture would be named: "…_profile_…" → "…_capture_…"
  const want = self.replace(/profile|trace|replay/i, 'capture').toLowerCase();
  const scored = names
    .filter((n) => n !== self && TRACE.test(n) && /capture/i.test(n))
    .filter((n) => rank === undefined || RANK.exec(n)?.[1] === rank)
    .map((n) => ({ n, score: common(n.toLowerCase(), want) }))
    .sort((a, b) => b.score - a.score || a.n.localeCompare(b.n));
  const candidates = scored.map((s) => join(dir, s.n));
  const best = scored[0];
  if (!best || (scored[1] && scored[1].score === best.score)) return { candidates };
  return { path: join(dir, best.n), candidates };
}
