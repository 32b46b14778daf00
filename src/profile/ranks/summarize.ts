// The map step of multi-rank analysis: one profile → one RankSummary per rank process in it. Reuses the
// single-profile queries (step detection, per-step metrics, NCCL exposure) on each process' view, adds the
// host data-loading time per step, the NCCL collectives in order (so ranks can be matched up) and the source
// locations (Python frames of the callchains) of collectives, syncs and data loading.
import { resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { ProfileModel, StackFrame } from '../../core/profile.js';
import {
  RANK_SUMMARY_VERSION, type RankCollective, type RankHotspot, type RankStep, type RankSummary, type RankTotals,
} from '../../core/ranks.js';
import { openProfile, type OpenOptions } from '../open.js';
import { type PythonFrame, pythonFrameOf } from '../python-frame.js';
import { detectIterations, type Iteration } from '../queries/iterations.js';
import { collectiveOf, isNcclName } from '../queries/nccl.js';
import { stepLocator, stepMetrics } from '../queries/step-metrics.js';
import { correlationIndex, lookupCorrelation, mergeIntervals, nameFlags, overlapLength, sortedOrder, type Intervals } from '../queries/util.js';
import { identifyRanks, rankProcesses, runKeyOf } from './identity.js';
import { processView } from './view.js';

/** Host ranges and CPU events that are data loading: DataLoader iteration, batch fetching, collation. */
export const DATA_LOAD_RE = /data[\s_-]?loader|data[\s_-]?load|load[\s_-]?batch|get[\s_-]?batch|next[\s_-]?batch|fetch[\s_-]?batch|collate|prefetch/i;
/** Python frames of data-loading code (for OS calls with a backtrace when no range names the loading). */
const DATA_FRAME_RE = /dataset|dataloader|data\.py|__getitem__|collate|get_batch|load_batch/i;

export interface SummarizeOptions extends Pick<OpenOptions, 'signal' | 'onProgress'> {
  /** rank number for a profile that gives no better evidence (its position in the sorted input) */
  orderBase?: number;
}

/** Opens one profile and summarizes every rank process in it (never keeps more than this profile open). */
export async function summarizeProfile(path: string, opts: SummarizeOptions = {}): Promise<RankSummary[]> {
  const model = await openProfile(path, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  return summarizeModel(model, path, opts);
}

export function summarizeModel(model: ProfileModel, path: string, opts: SummarizeOptions = {}): RankSummary[] {
  const kineto = model.meta.format !== 'nsys-sqlite';
  let procs = rankProcesses(model);
  if (procs.length === 0) throw new UserError(`${path}: no GPU work (kernels or copies) in this profile: no rank to summarize`);
  // a Kineto trace is one rank's trace; its GPU rows may carry device pids
  if (kineto) procs = [{ pid: procs[0]!.pid, name: model.meta.processes[0]?.name ?? '', deviceIds: [...new Set(procs.flatMap((p) => p.deviceIds))].sort((a, b) => a - b) }];
  const ids = identifyRanks(model, procs, path, opts.orderBase ?? 0);
  const runKey = runKeyOf(model);
  const domain = `${kineto ? 'kineto' : 'nsys'}:${resolve(path)}`;
  const host = model.meta.host ?? model.meta.captureEnv?.HOSTNAME ?? model.meta.captureEnv?.SLURMD_NODENAME;
  return procs.map((p, i) => {
    const view = kineto || procs.length === 1 ? model : processView(model, p.pid);
    const id = ids[i]!;
    const s = summarizeView(view);
    return {
      version: RANK_SUMMARY_VERSION,
      source: path,
      format: model.meta.format,
      identity: {
        rank: id.rank, source: id.source, deviceIds: p.deviceIds,
        ...(id.worldSize !== undefined ? { worldSize: id.worldSize } : {}),
        ...(host ? { host } : {}),
        ...(kineto ? {} : { pid: p.pid }),
        ...(runKey ? { runKey } : {}),
      },
      clock: { domain, offsetNs: 0 },
      ...s,
      notes: [...(procs.length > 1 ? [`process ${p.pid} (${p.name || 'unnamed'}) of ${procs.length} rank processes in this profile`] : []), ...s.notes],
    };
  });
}

const zeroTotals = (): RankTotals => ({ computeNs: 0, commNs: 0, exposedCommNs: 0, idleNs: 0, memcpyNs: 0, syncNs: 0, dataLoadNs: 0 });

function span(model: ProfileModel): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of [model.kernels, model.memcpy, model.memset, model.runtime, model.nvtx, model.cpu, model.osrt, model.sync]) {
    for (let r = 0; r < t.length; r++) {
      if (t.start[r]! < lo) lo = t.start[r]!;
      if (t.end[r]! > hi) hi = t.end[r]!;
    }
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 0];
}

type ViewSummary = Pick<RankSummary, 'startNs' | 'endNs' | 'steps' | 'totals' | 'collectives' | 'hotspots' | 'notes'>;

/** Steps, totals, collectives and hotspots of one rank's view. */
export function summarizeView(view: ProfileModel): ViewSummary {
  const notes: string[] = [];
  const [startNs, endNs] = span(view);
  const det = detectIterations(view);
  const m = stepMetrics(view);
  const dataIv = dataLoadIntervals(view);
  const cpuIts = det.iterations;
  const steps: RankStep[] = m.iterations.map((it, j) => {
    const cw = cpuIts[j] ?? it;
    return {
      index: it.index, startNs: Math.round(it.startNs), endNs: Math.round(it.endNs),
      computeNs: Math.round(m.kernelNs[j]! - m.ncclNs[j]!), commNs: Math.round(m.ncclNs[j]!),
      exposedCommNs: Math.round(m.ncclExposedNs[j]!), idleNs: Math.round(m.idleNs[j]!),
      memcpyNs: Math.round(m.memcpyNs[j]!), syncNs: Math.round(m.syncNs[j]!),
      dataLoadNs: Math.round(overlapLength(dataIv.iv, cw.startNs, cw.endNs)),
    };
  });
  let totals: RankTotals;
  if (steps.length) {
    totals = zeroTotals();
    for (const s of steps) for (const k of Object.keys(totals) as (keyof RankTotals)[]) totals[k] += s[k];
  } else {
    notes.push('no steps detected (no step-like NVTX/annotation ranges and no repeating kernel sequence): totals cover the whole profile');
    const whole: Iteration[] = [{ index: 0, startNs, endNs: Math.max(endNs, startNs + 1) }];
    const w = stepMetrics(view, { iterations: whole, trackedNames: 0 });
    totals = {
      computeNs: Math.round(w.kernelNs[0]! - w.ncclNs[0]!), commNs: Math.round(w.ncclNs[0]!), exposedCommNs: Math.round(w.ncclExposedNs[0]!),
      idleNs: Math.round(w.idleNs[0]!), memcpyNs: Math.round(w.memcpyNs[0]!), syncNs: Math.round(w.syncNs[0]!),
      dataLoadNs: Math.round(overlapLength(dataIv.iv, startNs, endNs)),
    };
  }
  if (steps.length) notes.push(`${steps.length} steps by ${m.method}${m.basis === 'gpu-projected' ? ' (CPU step ranges projected onto the GPU)' : ''}`);
  if (dataIv.how) notes.push(`data loading seen through ${dataIv.how}`);
  else notes.push('no data-loading ranges or backtraces: data-loading time unknown (0)');
  const collectives = collectivesOf(view, m.iterations);
  if (!collectives.length) notes.push('no NCCL kernels: this rank cannot be matched to the others by its collectives');
  return { startNs, endNs, steps, totals, collectives, hotspots: hotspotsOf(view, dataIv), notes };
}

interface DataLoad {
  iv: Intervals;
  how?: string;
  /** OS-call rows inside data loading (for hotspots) */
  osrtRows: number[];
}

/** Host time in data loading: named NVTX ranges / CPU events, else OS calls whose backtrace is in data code. */
function dataLoadIntervals(view: ProfileModel): DataLoad {
  const starts: number[] = [];
  const ends: number[] = [];
  const isData = nameFlags(view, (n) => DATA_LOAD_RE.test(n));
  const nv = view.nvtx;
  for (let r = 0; r < nv.length; r++) if (nv.end[r]! > nv.start[r]! && isData(nv.textId[r]!)) { starts.push(nv.start[r]!); ends.push(nv.end[r]!); }
  const nNvtx = starts.length;
  const c = view.cpu;
  for (let r = 0; r < c.length; r++) if (c.end[r]! > c.start[r]! && isData(c.nameId[r]!)) { starts.push(c.start[r]!); ends.push(c.end[r]!); }
  const named = starts.length;
  const os = view.osrt;
  const osrtRows: number[] = [];
  const frameData = new Map<number, boolean>();
  const inData = (chain: number) => {
    let v = frameData.get(chain);
    if (v === undefined) frameData.set(chain, (v = (view.callchains.get(chain) ?? []).some((f) => DATA_FRAME_RE.test(f.symbol) || DATA_FRAME_RE.test(f.file ?? f.module ?? ''))));
    return v;
  };
  for (let r = 0; r < os.length; r++) {
    const ch = os.callchainId[r]!;
    if (ch >= 0 && inData(ch)) {
      osrtRows.push(r);
      if (!named) { starts.push(os.start[r]!); ends.push(os.end[r]!); }
    }
  }
  const s = Float64Array.from(starts);
  const e = Float64Array.from(ends);
  const iv = mergeIntervals(s, e, sortedOrder(s));
  const how = nNvtx ? 'NVTX ranges' : named ? 'profiler annotations / Python frames' : osrtRows.length ? 'OS calls with data-loading backtraces' : undefined;
  return { iv, ...(how ? { how } : {}), osrtRows };
}

/** NCCL kernels in start order, numbered per op. */
function collectivesOf(view: ProfileModel, its: Iteration[]): RankCollective[] {
  const k = view.kernels;
  const isNccl = nameFlags(view, isNcclName);
  const rows: number[] = [];
  for (let r = 0; r < k.length; r++) if (isNccl(k.nameId[r]!)) rows.push(r);
  rows.sort((a, b) => k.start[a]! - k.start[b]!);
  const seq = new Map<string, number>();
  const stepAt = stepLocator(its);
  return rows.map((r) => {
    const name = view.strings[k.nameId[r]!] ?? '';
    const op = collectiveOf(name);
    const n = seq.get(op) ?? 0;
    seq.set(op, n + 1);
    const c: RankCollective = { seq: n, op, kernel: name, startNs: Math.round(k.start[r]!), endNs: Math.round(k.end[r]!) };
    const j = stepAt(k.start[r]!);
    if (j >= 0) c.step = its[j]!.index;
    return c;
  });
}

/** A Python frame of a backtrace: "train_step (train.py:57)" (nsys) or a frame with file and line. */
function pyFrame(f: StackFrame): PythonFrame | undefined {
  const p = pythonFrameOf(f);
  return p && p.line > 0 && p.file.endsWith('.py') ? p : undefined;
}

function pyFrames(view: ProfileModel, chain: number, depth: number): PythonFrame[] {
  const out = [];
  for (const f of view.callchains.get(chain) ?? []) {
    const p = pyFrame(f);
    if (p) out.push(p);
    if (out.length >= depth) break;
  }
  return out;
}

/** Where collectives, syncs, data loading and the host work the GPU waited for come from, with the time behind each. */
function hotspotsOf(view: ProfileModel, data: DataLoad): RankHotspot[] {
  const spots = new Map<string, RankHotspot>();
  const add = (kind: RankHotspot['kind'], f: PythonFrame, ns: number) => {
    const key = `${kind}|${f.file}|${f.line}`;
    let h = spots.get(key);
    if (!h) spots.set(key, (h = { kind, file: f.file, function: f.function, line: f.line, totalNs: 0, count: 0 }));
    h.totalNs += ns;
    h.count++;
  };
  const rt = view.runtime;
  const k = view.kernels;
  const isNccl = nameFlags(view, isNcclName);
  const corr = correlationIndex(rt);
  for (let r = 0; r < k.length; r++) {
    if (!isNccl(k.nameId[r]!)) continue;
    const x = lookupCorrelation(corr, k.correlationId[r]!, k.pid[r]!);
    if (x < 0 || rt.callchainId[x]! < 0) continue;
    const f = pyFrames(view, rt.callchainId[x]!, 1)[0];
    if (f) add('collective', f, k.end[r]! - k.start[r]!);
  }
  const isSync = nameFlags(view, (n) => /Synchronize|barrier/i.test(n));
  for (let r = 0; r < rt.length; r++) {
    if (!isSync(rt.nameId[r]!) || rt.callchainId[r]! < 0) continue;
    const f = pyFrames(view, rt.callchainId[r]!, 1)[0];
    if (f) add(/barrier/i.test(view.strings[rt.nameId[r]!] ?? '') ? 'barrier' : 'sync', f, rt.end[r]! - rt.start[r]!);
  }
  const os = view.osrt;
  for (const r of data.osrtRows) {
    for (const f of pyFrames(view, os.callchainId[r]!, 1)) add('data-load', f, os.end[r]! - os.start[r]!);
  }
  const c = view.cpu;
  for (let r = 0; r < c.length; r++) {
    if (c.kind[r] !== 1 || c.fileId[r]! < 0) continue;
    const d = c.end[r]! - c.start[r]!;
    if (d <= 0 || overlapLength(data.iv, c.start[r]!, c.end[r]!) < 0.5 * d) continue;
    const file = view.strings[c.fileId[r]!] ?? '';
    if (!/\.py$/.test(file) || /site-packages|dist-packages|\/lib\/python/.test(file)) continue;
    add('data-load', { file, line: c.line[r]!, function: (view.strings[c.nameId[r]!] ?? '').replace(/^.*\):\s*/, '') }, d);
  }
  hostGaps(view, data.iv, (f, ns) => add('host', f, ns));
  // the heaviest 20 locations of each kind, so many host lines cannot push the collectives out
  const sorted = [...spots.values()].map((h) => ({ ...h, totalNs: Math.round(h.totalNs) })).sort((a, b) => b.totalNs - a.totalNs);
  const perKind = new Map<string, number>();
  return sorted.filter((h) => { const n = (perKind.get(h.kind) ?? 0) + 1; perKind.set(h.kind, n); return n <= 20; });
}

/** GPU idle shorter than this between two pieces of work is launch latency, not host work. */
const HOST_GAP_NS = 10_000;

/**
 * Where the host kept the GPU waiting: for every kernel that starts after the rank's GPU had nothing to do (no
 * kernel or copy on that device) for at least HOST_GAP_NS, the Python frame of the call that launched it, weighted
 * by the idle time before it that data loading does not explain. The launch site closes the stretch of host code
 * the GPU waited for.
 */
function hostGaps(view: ProfileModel, dataIv: Intervals, add: (f: PythonFrame, ns: number) => void): void {
  const k = view.kernels;
  const mc = view.memcpy;
  const rt = view.runtime;
  const corr = correlationIndex(rt);
  const byDevice = new Map<number, number[]>();
  // rows >= k.length are copies (they keep the device busy but are not attributed)
  for (let r = 0; r < k.length; r++) (byDevice.get(k.deviceId[r]!) ?? byDevice.set(k.deviceId[r]!, []).get(k.deviceId[r]!)!).push(r);
  for (let r = 0; r < mc.length; r++) (byDevice.get(mc.deviceId[r]!) ?? byDevice.set(mc.deviceId[r]!, []).get(mc.deviceId[r]!)!).push(k.length + r);
  const startOf = (i: number) => (i < k.length ? k.start[i]! : mc.start[i - k.length]!);
  const endOf = (i: number) => (i < k.length ? k.end[i]! : mc.end[i - k.length]!);
  for (const rows of byDevice.values()) {
    rows.sort((a, b) => startOf(a) - startOf(b));
    let busyUntil = Number.NEGATIVE_INFINITY;
    for (const i of rows) {
      const t = startOf(i);
      const idle = t - busyUntil;
      if (idle >= HOST_GAP_NS && Number.isFinite(busyUntil) && i < k.length) {
        const ns = idle - overlapLength(dataIv, busyUntil, t);
        const x = ns >= HOST_GAP_NS ? lookupCorrelation(corr, k.correlationId[i]!, k.pid[i]!) : -1;
        const f = x >= 0 && rt.callchainId[x]! >= 0 ? pyFrames(view, rt.callchainId[x]!, 1)[0] : undefined;
        if (f) add(f, ns);
      }
      busyUntil = Math.max(busyUntil, endOf(i));
    }
  }
}
