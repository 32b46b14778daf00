// `npm run bench:timeline [-- --size 100mb|10mb|1gb] [--samples N]`: latency of the trace view's worker queries as
// the extension host sees them — a generated nsys-schema profile (the `bench` preset, cached in bench/work/)
// opened in the extension's profile worker (dist/profile-session.js, through the engine), then timed round
// trips of timeline-tiles (whole profile cold and warm, zoomed windows at random places, a pan sequence),
// slice-details (by table+row, by lane+time), timeline-search (a common kernel, an NVTX range, no match), and a
// burst of superseded tile requests (latest wins). Answer sizes are reported with the times.
// Writes bench/results/timeline.json (one entry per size) and prints a table. No assertions: numbers only.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { isCancelled } from '../src/core/errors.js';
import { mulberry32 } from '../src/core/random.js';
import { createEngine } from '../src/extension/engine.js';
import { presetScenario, writeNsysProfile } from '../src/profile/generator/index.js';
import type { TimelineTiles } from '../src/profile/queries/timeline.js';
import type { SearchResult } from '../src/profile/queries/timeline-search.js';

const ROOT = resolve(__dirname, '..', '..');
const WORK = join(ROOT, 'bench', 'work');
const RESULTS = join(ROOT, 'bench', 'results', 'timeline.json');
/** iterations of the `bench` preset per named size (as bench/profile.ts and bench/diff.ts) */
const SIZES: Record<string, number> = { '10mb': 1_000, '100mb': 10_200, '1gb': 110_000 };
const PIXELS = 1920;

interface Stats { n: number; median_ms: number; p90_ms: number; max_ms: number }

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, median_ms: q(0.5), p90_ms: q(0.9), max_ms: s[s.length - 1]! };
}

async function timed<R>(f: () => Promise<R>): Promise<[R, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

const slicesOf = (t: TimelineTiles) => t.lanes.reduce((s, l) => s + l.slices.length, 0);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let size = '100mb';
  let samples = 25;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--size') size = argv[++i] ?? '';
    else if (argv[i] === '--samples') samples = Math.max(3, Number(argv[++i]) || 25);
  }
  if (!SIZES[size]) throw new Error(`unknown size ${size} (known: ${Object.keys(SIZES).join(', ')})`);
  mkdirSync(WORK, { recursive: true });
  const file = join(WORK, `timeline-${size}-g1.sqlite`);
  let generateS: number | null = null;
  if (!existsSync(file)) {
    process.stderr.write(`generating ${size} (${SIZES[size]} iterations)...\n`);
    const t = performance.now();
    writeNsysProfile(presetScenario('bench', SIZES[size]!), file);
    generateS = (performance.now() - t) / 1000;
  }
  const engine = createEngine(ROOT, () => undefined);
  process.stderr.write(`opening ${file} in the profile worker...\n`);
  const [session, openMs] = await timed(() => engine.openProfile(file, { signal: new AbortController().signal, onProgress: () => undefined }));
  const rnd = mulberry32(7);
  const { startNs, endNs } = session.overview;
  const total = endNs - startNs;
  const tiles = (s: number, e: number) => session.query<TimelineTiles>('timeline-tiles', { startNs: s, endNs: e, pixels: PIXELS, limit: 256 });
  try {
    const [whole, wholeColdMs] = await timed(() => tiles(startNs, endNs));
    const [, wholeWarmMs] = await timed(() => tiles(startNs, endNs));
    const events = whole.lanes.reduce((s, l) => s + l.events, 0);
    const zoom: Record<string, Stats & { max_slices: number; max_json_kb: number }> = {};
    for (const frac of [0.1, 0.01, 0.001, 0.0001]) {
      const ms: number[] = [];
      let maxSlices = 0;
      let maxBytes = 0;
      for (let i = 0; i < samples; i++) {
        const s = startNs + rnd() * total * (1 - frac);
        const [t, dt] = await timed(() => tiles(s, s + total * frac));
        ms.push(dt);
        maxSlices = Math.max(maxSlices, slicesOf(t));
        maxBytes = Math.max(maxBytes, JSON.stringify(t).length);
      }
      zoom[`${frac * 100}%`] = { ...stats(ms), max_slices: maxSlices, max_json_kb: maxBytes / 1024 };
    }
    // a pan at 1% zoom: 15% of the window per step, as the A/D keys do
    const pan: number[] = [];
    let s0 = startNs + total * 0.3;
    for (let i = 0; i < samples; i++, s0 += total * 0.01 * 0.15) pan.push((await timed(() => tiles(s0, s0 + total * 0.01)))[1]);

    // slice details: single-event slices of zoomed tiles (by table+row) and random times on the busiest GPU lane
    const gpuLane = whole.lanes.filter((l) => l.kind === 'gpu-stream').sort((a, b) => b.events - a.events)[0]!;
    const byRow: number[] = [];
    const byTime: number[] = [];
    let withStack = 0;
    for (let i = 0; i < samples; i++) {
      const s = startNs + rnd() * total * 0.9999;
      const t = await tiles(s, s + total * 0.0001);
      const one = t.lanes.flatMap((l) => l.slices.filter((x) => x.count === 1));
      const pick = one[Math.floor(rnd() * one.length)];
      if (pick) {
        const [d, dt] = await timed(() => session.query<{ runtime?: { frames: unknown[] } }>('slice-details', { table: pick.table, row: pick.row }));
        byRow.push(dt);
        if (d.runtime?.frames.length) withStack++;
      }
      const [, dt2] = await timed(() => session.query('slice-details', { lane: gpuLane.id, timeNs: s, toleranceNs: total / PIXELS }).catch(() => null));
      byTime.push(dt2);
    }
    const search: Record<string, { cold_ms: number; warm_ms: number; total: number; hits: number }> = {};
    for (const q of ['gemm', 'forward', 'no_such_kernel_name']) {
      const [r, cold] = await timed(() => session.query<SearchResult>('timeline-search', { query: q, limit: 200 }));
      const [, warm] = await timed(() => session.query<SearchResult>('timeline-search', { query: q, limit: 200 }));
      search[q] = { cold_ms: cold, warm_ms: warm, total: r.total, hits: r.hits.length };
    }
    // a burst of 10 tile requests, each aborting the one before (what a fast pan sends): how many ran to the end
    const acs: AbortController[] = [];
    const burst: Array<Promise<string>> = [];
    const [, burstMs] = await timed(async () => {
      for (let i = 0; i < 10; i++) {
        acs[i - 1]?.abort();
        const ac = new AbortController();
        acs.push(ac);
        const s = startNs + total * (0.2 + i * 0.01);
        burst.push(session.query('timeline-tiles', { startNs: s, endNs: s + total * 0.05, pixels: PIXELS }, ac.signal).then(() => 'answered', (e) => (isCancelled(e) ? 'cancelled' : 'error')));
      }
      return Promise.all(burst);
    });
    const outcomes = await Promise.all(burst);

    const report = {
      benchmark: 'timeline', date: new Date().toISOString(), command: `npm run bench:timeline -- --size ${size} --samples ${samples}`,
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memory_gb: totalmem() / 2 ** 30, node: process.version, load_average_1_5_15_at_end: loadavg() },
      profile: { size, bytes: statSync(file).size, generate_s: generateS, events_in_lanes: events, lanes: whole.lanes.length, span_ms: total / 1e6 },
      note: 'round trips through the extension\'s profile worker (postMessage both ways included), 1920 px wide views',
      open_s: openMs / 1000,
      tiles: {
        whole_cold_ms: wholeColdMs, whole_warm_ms: wholeWarmMs, whole_slices: slicesOf(whole), whole_json_kb: JSON.stringify(whole).length / 1024,
        zoom, pan_1pct: stats(pan),
      },
      slice_details: { by_row: stats(byRow), by_time: stats(byTime), with_native_callchain: withStack },
      search,
      superseded_burst: { requests: 10, answered: outcomes.filter((o) => o === 'answered').length, cancelled: outcomes.filter((o) => o === 'cancelled').length, total_ms: burstMs },
    };
    // one entry per size: a run at another size keeps the others
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    let bySize: Record<string, unknown> = {};
    try {
      const prev = JSON.parse(readFileSync(RESULTS, 'utf8')) as { benchmark?: string; sizes?: Record<string, unknown> };
      if (prev.benchmark === 'timeline' && prev.sizes) bySize = prev.sizes;
    } catch { /* first run */ }
    bySize[size] = report;
    writeFileSync(RESULTS, `${JSON.stringify({ benchmark: 'timeline', sizes: bySize }, null, 2)}\n`);
    const f = (x: number) => x.toFixed(1);
    const out = [
      `profile ${size}: ${(report.profile.bytes / 2 ** 20).toFixed(0)} MB, ${events.toLocaleString()} events in ${whole.lanes.length} lanes; opened in ${f(openMs / 1000)} s`,
      `tiles whole profile: ${f(wholeColdMs)} ms cold (lane index), ${f(wholeWarmMs)} ms warm, ${slicesOf(whole)} slices`,
      ...Object.entries(zoom).map(([k, v]) => `tiles ${k.padEnd(7)} window: median ${f(v.median_ms)} ms, p90 ${f(v.p90_ms)} ms, max ${f(v.max_ms)} ms; ≤ ${v.max_slices} slices, ≤ ${f(v.max_json_kb)} KB`),
      `tiles pan at 1%: median ${f(report.tiles.pan_1pct.median_ms)} ms, max ${f(report.tiles.pan_1pct.max_ms)} ms`,
      `slice-details by row: median ${f(report.slice_details.by_row.median_ms)} ms, max ${f(report.slice_details.by_row.max_ms)} ms; by time: median ${f(report.slice_details.by_time.median_ms)} ms, max ${f(report.slice_details.by_time.max_ms)} ms`,
      ...Object.entries(search).map(([q, v]) => `search "${q}": ${v.total} matches, ${f(v.cold_ms)} ms cold, ${f(v.warm_ms)} ms warm`),
      `burst of 10 superseded tile requests: ${report.superseded_burst.answered} answered, ${report.superseded_burst.cancelled} cancelled, ${f(burstMs)} ms`,
      `wrote ${RESULTS.slice(ROOT.length + 1)}`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    session.dispose();
  }
}

main().catch((e) => {
  process.stderr.write(`bench:timeline failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
