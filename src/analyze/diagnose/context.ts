// What every profile-level detector shares: the profile's span and iterations, costs turned into a finding's
// impact and severity, thread ↔ GPU relations, and one scan that visits the events overlapping a set of windows.
import { sha256Hex } from '../../core/hash.js';
import type { Category, Evidence, ProfileFinding, Severity } from '../../core/findings.js';
import type { ProfileModel } from '../../core/profile.js';
import { DEFAULT_STEP_PATTERN, detectIterations, type IterationDetection } from '../../profile/queries/iterations.js';

export interface DiagnoseContext {
  model: ProfileModel;
  startNs: number;
  endNs: number;
  spanNs: number;
  iterations: IterationDetection;
  /** pids with GPU work on each device */
  pidsByDevice: Map<number, Set<number>>;
  /** pids with any GPU work */
  gpuPids: Set<number>;
  /** a finding needs at least this share of the profile (0..1) */
  minShare: number;
}

export function makeContext(model: ProfileModel, minShare: number): DiagnoseContext {
  let startNs = model.meta.startNs, endNs = model.meta.endNs;
  if (!(endNs > startNs)) { startNs = 0; endNs = 1; }
  const pidsByDevice = new Map<number, Set<number>>();
  const gpuPids = new Set<number>();
  for (const t of [model.kernels, model.memcpy, model.memset]) {
    for (let i = 0; i < t.length; i++) {
      const d = t.deviceId[i]!;
      let s = pidsByDevice.get(d);
      if (!s) pidsByDevice.set(d, (s = new Set()));
      s.add(t.pid[i]!);
      gpuPids.add(t.pid[i]!);
    }
  }
  return { model, startNs, endNs, spanNs: endNs - startNs, iterations: detectIterations(model), pidsByDevice, gpuPids, minShare };
}

const STEP_RE = new RegExp(DEFAULT_STEP_PATTERN, 'i');
/** Step ranges (ProfilerStep#N, "step 3") hold everything: they never explain where time went. */
export const isStepName = (name: string): boolean => STEP_RE.test(name.trim());

export function severityOf(pct: number): Severity {
  return pct >= 20 ? 'critical' : pct >= 8 ? 'high' : pct >= 2 ? 'medium' : 'low';
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
export const r1 = (x: number) => Math.round(x * 10) / 10;

/** "12.3 ms at 155.2 ms from the start" style offsets: ms from the profile's start, never raw ns. */
export function atMs(ctx: DiagnoseContext, ns: number): string {
  return `${fmtMs(ns - ctx.startNs)} from the start`;
}

export function fmtMs(ns: number): string {
  const ms = ns / 1e6;
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(3)} ms`;
}

export function fmtBytes(b: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return `${i === 0 ? b.toFixed(0) : b.toFixed(1)} ${u[i]}`;
}

export function finding(ctx: DiagnoseContext, f: {
  category: Category; pattern: string; title: string; subject: ProfileFinding['subject']; ns: number; count: number; evidence: Evidence[];
}): ProfileFinding {
  const pct = (100 * f.ns) / ctx.spanNs;
  const its = ctx.iterations.iterations.length;
  return {
    id: `${f.category}|${f.pattern}|${sha256Hex(`${f.subject.kind}:${f.subject.name}`).slice(0, 10)}`,
    category: f.category, pattern: f.pattern, title: f.title, subject: f.subject,
    severity: severityOf(pct),
    impact: { ms: r3(f.ns / 1e6), pctOfProfile: r1(pct), msPerIter: its > 0 ? r3(f.ns / 1e6 / its) : null, count: f.count },
    evidence: f.evidence,
  };
}

/** Whether a cost is worth a finding. */
export function enough(ctx: DiagnoseContext, ns: number): boolean {
  return ns >= 1e6 && ns / ctx.spanNs >= ctx.minShare;
}

/** Total length of the union of intervals. */
export function unionNs(iv: Array<[number, number]>): number {
  const s = iv.slice().sort((a, b) => a[0] - b[0]);
  let total = 0, cs = -Infinity, ce = -Infinity;
  for (const [a, b] of s) {
    if (a > ce) { if (ce > cs) total += ce - cs; cs = a; ce = b; } else if (b > ce) ce = b;
  }
  if (ce > cs) total += ce - cs;
  return total;
}

export interface Win { startNs: number; endNs: number }

/**
 * Calls `visit(w, s, e)` for every window of `windows` that the event [s, e] overlaps (windows may overlap each
 * other). Binary search over window starts with a prefix maximum of ends: one pass over a table for all windows.
 */
export function windowScanner<W extends Win>(windows: W[]): (s: number, e: number, visit: (w: W, index: number) => void) => void {
  const order = windows.map((_, i) => i).sort((a, b) => windows[a]!.startNs - windows[b]!.startNs);
  const starts = Float64Array.from(order, (i) => windows[i]!.startNs);
  const maxEnd = new Float64Array(order.length);
  for (let j = 0; j < order.length; j++) maxEnd[j] = Math.max(j ? maxEnd[j - 1]! : -Infinity, windows[order[j]!]!.endNs);
  return (s, e, visit) => {
    let a = 0, b = order.length - 1, j = -1;
    while (a <= b) {
      const m = (a + b) >> 1;
      if (starts[m]! < e) { j = m; a = m + 1; } else b = m - 1;
    }
    for (; j >= 0 && maxEnd[j]! > s; j--) {
      const i = order[j]!;
      const w = windows[i]!;
      if (w.endNs > s && w.startNs < e) visit(w, i);
    }
  };
}

/** "name (file:line)" for a Python frame, the bare name otherwise. */
export function frameLabel(name: string, file: string, line: number): string {
  return file ? `${name} (${file}:${line})` : name;
}
