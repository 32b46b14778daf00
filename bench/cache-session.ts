// The dashboard's side of bench/cache.ts and bench/cache-diagnosis.ts, through the extension's own worker code:
// opens a profile with openSession (src/worker/clients.ts, the client the extension's engine uses) on a built
// worker bundle (dist/profile-session.js, or --worker FILE: another build's), and times, from the call: the
// dashboard ready (the worker's `opened` reply: the overview the dashboard draws), the trace view's first tiles
// (the request the webview sends first: the whole profile at the view's width, clamped as trace-requests.ts
// clamps it) and the diagnosis. By default the tiles are asked first; --diagnosis-first asks the diagnosis as the
// dashboard does, as soon as it is ready (its summary tab shows it), then the tiles. Run as a child
// (`node bench/work/cache-session.cjs PROFILE [PIXELS] [--worker FILE] [--diagnosis-first]`) so its wall time and
// peak RSS are its own; prints one JSON line.
import { join, resolve } from 'node:path';
import { openSession } from '../src/worker/clients.js';
import { DIAGNOSIS_QUERY } from '../src/protocol/dashboard.js';
import { TraceRequests } from '../src/extension/trace-requests.js';
import type { TimelineTiles } from '../src/profile/queries/timeline.js';
import type { ProfileDiagnosis } from '../src/core/findings.js';

const ROOT = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = (name: string) => (argv.includes(name) ? argv.splice(argv.indexOf(name), 2)[1] : undefined);
  const worker = flag('--worker') ?? join(ROOT, 'dist', 'profile-session.js');
  const diagnosisFirst = argv.includes('--diagnosis-first');
  const [file, px] = argv.filter((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: cache-session.cjs PROFILE [PIXELS] [--worker FILE] [--diagnosis-first]');
  const pixels = Number(px ?? 1600);
  const t0 = performance.now();
  const ac = new AbortController();
  const s = await openSession(resolve(worker), resolve(file), { signal: ac.signal, onProgress: () => undefined });
  const ready = performance.now() - t0;
  const { startNs, endNs } = s.overview;
  const q = TraceRequests.toQuery({ method: 'timeline/tiles', id: 1, params: { startNs, endNs, pixels } });
  if (!q) throw new Error('the tiles request did not map to a query');
  const timed = async <R>(run: () => Promise<R>): Promise<{ value: R; own: number; fromCall: number }> => {
    const t = performance.now();
    const value = await run();
    return { value, own: performance.now() - t, fromCall: performance.now() - t0 };
  };
  const ask = { tiles: () => s.query<TimelineTiles>(q.name, q.args), diagnosis: () => s.query<ProfileDiagnosis>(DIAGNOSIS_QUERY, {}) };
  let tiles, diagnosis;
  if (diagnosisFirst) {
    diagnosis = await timed(ask.diagnosis);
    tiles = await timed(ask.tiles);
  } else {
    tiles = await timed(ask.tiles);
    diagnosis = await timed(ask.diagnosis);
  }
  s.dispose();
  process.stdout.write(`${JSON.stringify({
    order: diagnosisFirst ? 'diagnosis-first' : 'tiles-first',
    dashboard_ready_s: ready / 1000, first_tiles_s: tiles.fromCall / 1000, first_tiles_after_ready_s: (tiles.fromCall - ready) / 1000,
    tiles_query_s: tiles.own / 1000, diagnosis_s: diagnosis.fromCall / 1000, diagnosis_query_s: diagnosis.own / 1000,
    diagnosis_after_tiles_s: diagnosisFirst ? undefined : diagnosis.own / 1000,
    findings: diagnosis.value.findings.length, lanes: tiles.value.lanes.length,
    slices: tiles.value.lanes.reduce((n, l) => n + l.slices.length, 0), kernels: s.overview.counts.kernels,
  })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
