// What a CPU-only profile holds, per step, for the profile diff: time in data loading (the DataLoader's
// __next__), operator self time (Kineto cpu_op, nested operators subtracted) and Python function self time
// (python_function frames, nested frames subtracted), in total and by name. Steps are the diff's own.
import type { ProfileModel } from '../../core/profile.js';
import type { Iteration } from '../queries/iterations.js';
import { stepLocator } from '../queries/step-metrics.js';
import { nameOf } from '../queries/util/names.js';
import type { NamedSeries } from './series.js';

/** The DataLoader's per-batch call as torch.profiler names it (`enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__`). */
export const DATA_LOADING = /enumerate\(DataLoader\)|DataLoaderIter\w*\.__next__|DataLoader\.__next__/;

const LOADER_FILE = /torch\/utils\/data\/dataloader\.py$/;
const KIND_OP = 0;
const KIND_PYTHON = 1;

export interface CpuStepMetrics {
  /** time inside the DataLoader's __next__ per step (overlapping calls counted once) */
  dataLoadingNs: Float64Array;
  /** operator self time per step */
  opSelfNs: Float64Array;
  /** Python function self time per step */
  pythonSelfNs: Float64Array;
  ops: NamedSeries;
  python: NamedSeries;
  /** events of each kind in the profile (0 when the trace has none: the metric is then not compared) */
  counts: { ops: number; python: number; dataLoading: number };
}

/**
 * Self time of each row of one kind: its duration less the time of rows of the same kind nested in it on the
 * same thread. One sort per thread and a stack.
 */
function selfTimes(model: ProfileModel, kind: number): { rows: number[]; self: Float64Array } {
  const t = model.cpu;
  const rows: number[] = [];
  for (let r = 0; r < t.length; r++) if (t.kind[r] === kind) rows.push(r);
  const self = new Float64Array(rows.length);
  const byThread = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = `${t.pid[r]}:${t.tid[r]}`;
    let list = byThread.get(key);
    if (!list) byThread.set(key, (list = []));
    list.push(i);
  });
  for (const list of byThread.values()) {
    list.sort((x, y) => t.start[rows[x]!]! - t.start[rows[y]!]! || t.end[rows[y]!]! - t.end[rows[x]!]!);
    const stack: number[] = [];
    for (const i of list) {
      const r = rows[i]!;
      const s = t.start[r]!;
      const e = t.end[r]!;
      self[i] = e - s;
      while (stack.length && t.end[rows[stack[stack.length - 1]!]!]! <= s) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent !== undefined) self[parent]! -= Math.min(e, t.end[rows[parent]!]!) - s;
      stack.push(i);
    }
  }
  return { rows, self };
}

function series(model: ProfileModel, kind: number, stepOf: (t: number) => number, steps: number, tracked: number): { total: Float64Array; named: NamedSeries; count: number } {
  const t = model.cpu;
  const { rows, self } = selfTimes(model, kind);
  const total = new Float64Array(steps);
  const byId = new Map<number, { totalNs: number; count: number }>();
  const stepOfRow = new Int32Array(rows.length);
  // Python frames are named by function, file and first line (`get_batch (train.py:15)`); operators by name
  const labels = new Map<string, number>();
  const labelOf: string[] = [];
  const keyOf = (r: number): number => {
    const name = nameOf(model, t.nameId[r]!);
    const file = kind === KIND_PYTHON ? nameOf(model, t.fileId[r]!) : '';
    const base = file.split('/').pop() ?? '';
    const label = base && !name.includes(base) ? `${name} (${base}:${t.line[r]})` : name;
    let k = labels.get(label);
    if (k === undefined) { labels.set(label, (k = labelOf.length)); labelOf.push(label); }
    return k;
  };
  rows.forEach((r, i) => {
    const id = keyOf(r);
    const acc = byId.get(id) ?? { totalNs: 0, count: 0 };
    acc.totalNs += self[i]!;
    acc.count++;
    byId.set(id, acc);
    const j = (stepOfRow[i] = stepOf(t.start[r]!));
    if (j >= 0) total[j]! += self[i]!;
  });
  const top = [...byId].sort((x, y) => y[1].totalNs - x[1].totalNs).slice(0, tracked).map(([id]) => id);
  const slot = new Map(top.map((id, k) => [id, k]));
  const perStep = top.map(() => new Float64Array(steps));
  rows.forEach((r, i) => {
    const k = slot.get(keyOf(r));
    const j = stepOfRow[i]!;
    if (k !== undefined && j >= 0) perStep[k]![j]! += self[i]!;
  });
  const totals = new Map([...byId].map(([k, v]) => [labelOf[k]!, v]));
  const names = top.map((k) => labelOf[k]!);
  return { total, named: { names, perStep, totals, steps }, count: rows.length };
}

/** Data-loading time per step: the DataLoader's __next__ intervals (CPU events or ranges, any thread) merged, by step of their start. */
function dataLoading(model: ProfileModel, stepOf: (t: number) => number, steps: number): { ns: Float64Array; count: number } {
  const t = model.cpu;
  const hits: Array<[number, number]> = [];
  const match = new Map<number, boolean>();
  for (let r = 0; r < t.length; r++) {
    const id = t.nameId[r]!;
    let m = match.get(id);
    if (m === undefined) match.set(id, (m = DATA_LOADING.test(nameOf(model, id))));
    // the annotation torch.profiler writes, or the Python frame of the DataLoader iterator's __next__
    const frame = t.kind[r] === KIND_PYTHON && /__next__/.test(nameOf(model, id)) && LOADER_FILE.test(nameOf(model, t.fileId[r]!));
    if (m || frame) hits.push([t.start[r]!, t.end[r]!]);
  }
  // torch.profiler's annotations may be read as ranges (user_annotation → the NVTX table)
  const n = model.nvtx;
  for (let r = 0; r < n.length; r++) {
    const id = n.textId[r]!;
    let m = match.get(-1 - id);
    if (m === undefined) match.set(-1 - id, (m = DATA_LOADING.test(nameOf(model, id))));
    if (m && n.end[r]! > n.start[r]!) hits.push([n.start[r]!, n.end[r]!]);
  }
  hits.sort((a, b) => a[0] - b[0]);
  const ns = new Float64Array(steps);
  let cur: [number, number] | null = null;
  const flush = () => {
    if (!cur) return;
    const j = stepOf(cur[0]);
    if (j >= 0) ns[j]! += cur[1] - cur[0];
  };
  for (const h of hits) {
    if (cur && h[0] <= cur[1]) cur[1] = Math.max(cur[1], h[1]);
    else { flush(); cur = [h[0], h[1]]; }
  }
  flush();
  return { ns, count: hits.length };
}

export function cpuStepMetrics(model: ProfileModel, iterations: Iteration[], tracked = 64): CpuStepMetrics {
  const stepOf = stepLocator(iterations);
  const n = iterations.length;
  const ops = series(model, KIND_OP, stepOf, n, tracked);
  const py = series(model, KIND_PYTHON, stepOf, n, tracked);
  const dl = dataLoading(model, stepOf, n);
  return {
    dataLoadingNs: dl.ns, opSelfNs: ops.total, pythonSelfNs: py.total, ops: ops.named, python: py.named,
    counts: { ops: ops.count, python: py.count, dataLoading: dl.count },
  };
}
