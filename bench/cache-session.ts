// The dashboard's side of bench/cache.ts, through the extension's own worker code: opens a profile with
// openSession (src/worker/clients.ts, the client the extension's engine uses) on the built worker bundle
// (dist/profile-session.js), and times, from the call: the dashboard ready (the worker's `opened` reply: the
// overview the dashboard draws), the trace view's first tiles (the request the webview sends first: the whole
// profile at the view's width, clamped as trace-requests.ts clamps it) and the diagnosis the dashboard asks for
// next. Run as a child of bench/cache.ts (`node bench/work/cache-session.cjs PROFILE [PIXELS]`) so its wall time
// and peak RSS are its own; prints one JSON line.
import { join, resolve } from 'node:path';
import { openSession } from '../src/worker/clients.js';
import { DIAGNOSIS_QUERY } from '../src/protocol/dashboard.js';
import { TraceRequests } from '../src/extension/trace-requests.js';
import type { TimelineTiles } from '../src/profile/queries/timeline.js';

const ROOT = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const [file, px] = process.argv.slice(2);
  if (!file) throw new Error('usage: cache-session.cjs PROFILE [PIXELS]');
  const pixels = Number(px ?? 1600);
  const t0 = performance.now();
  const ac = new AbortController();
  const s = await openSession(join(ROOT, 'dist', 'profile-session.js'), resolve(file), { signal: ac.signal, onProgress: () => undefined });
  const ready = performance.now() - t0;
  const { startNs, endNs } = s.overview;
  const q = TraceRequests.toQuery({ method: 'timeline/tiles', id: 1, params: { startNs, endNs, pixels } });
  if (!q) throw new Error('the tiles request did not map to a query');
  const tiles = await s.query<TimelineTiles>(q.name, q.args);
  const firstTiles = performance.now() - t0;
  const t1 = performance.now();
  await s.query(DIAGNOSIS_QUERY, {});
  const diagnosis = performance.now() - t1;
  s.dispose();
  process.stdout.write(`${JSON.stringify({
    dashboard_ready_s: ready / 1000, first_tiles_s: firstTiles / 1000, first_tiles_after_ready_s: (firstTiles - ready) / 1000,
    diagnosis_after_tiles_s: diagnosis / 1000, lanes: tiles.lanes.length, slices: tiles.lanes.reduce((n, l) => n + l.slices.length, 0),
    kernels: s.overview.counts.kernels,
  })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
