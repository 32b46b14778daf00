// What the CPU threads were doing during given time windows: runtime calls, OS calls, NVTX ranges,
// CPU ops and Python frames overlapping each window, aggregated by (kind, thread, name).
// One linear pass over each CPU table for all windows together.
import type { ProfileModel } from '../../core/profile.js';
import { apiName, nameOf, rangeLabel } from './util.js';

export type CpuActivityKind = 'runtime' | 'osrt' | 'nvtx' | 'cpu_op' | 'python' | 'annotation' | 'other';

export interface CpuActivity {
  kind: CpuActivityKind;
  /** runtime/OS call names have their `_v7000`-style suffixes stripped */
  name: string;
  pid: number;
  tid: number;
  /** events overlapping the window */
  count: number;
  /** time those events overlap the window */
  overlapNs: number;
  /** python frames: source location when known */
  file?: string;
  line?: number;
}

export interface Window {
  startNs: number;
  endNs: number;
  /** when given, only threads of processes this returns true for */
  pidFilter?: (pid: number) => boolean;
}

const CPU_KINDS: CpuActivityKind[] = ['cpu_op', 'python', 'annotation', 'other'];

/** For each window, the CPU activity overlapping it, largest overlap first, at most `perWindow` entries. */
export function cpuDuring(model: ProfileModel, windows: Window[], perWindow = 8): CpuActivity[][] {
  const n = windows.length;
  const acc = windows.map(() => new Map<string, CpuActivity>());
  if (n === 0) return [];
  const order = windows.map((_, i) => i).sort((a, b) => windows[a]!.startNs - windows[b]!.startNs);
  const starts = Float64Array.from(order, (i) => windows[i]!.startNs);
  // prefix maximum of window ends, in start order: lets a scan stop early
  const maxEnd = new Float64Array(n);
  for (let j = 0; j < n; j++) maxEnd[j] = Math.max(j > 0 ? maxEnd[j - 1]! : -Infinity, windows[order[j]!]!.endNs);
  const lo = starts[0]!;
  const hi = maxEnd[n - 1]!;

  const visit = (s: number, e: number, pid: number, tid: number, kind: CpuActivityKind, name: () => string, loc?: () => [string, number]) => {
    if (e <= lo || s >= hi) return;
    // last window starting before e
    let a = 0;
    let b = n - 1;
    let j = -1;
    while (a <= b) {
      const m = (a + b) >> 1;
      if (starts[m]! < e) {
        j = m;
        a = m + 1;
      } else b = m - 1;
    }
    for (; j >= 0 && maxEnd[j]! > s; j--) {
      const w = windows[order[j]!]!;
      const ov = Math.min(e, w.endNs) - Math.max(s, w.startNs);
      if (ov <= 0 && !(e === s && s >= w.startNs && s < w.endNs)) continue;
      if (w.pidFilter && !w.pidFilter(pid)) continue;
      const nm = name();
      const key = `${kind}\u0000${pid}\u0000${tid}\u0000${nm}`;
      const m = acc[order[j]!]!;
      let x = m.get(key);
      if (!x) {
        x = { kind, name: nm, pid, tid, count: 0, overlapNs: 0 };
        if (loc) {
          const [file, line] = loc();
          if (file) Object.assign(x, { file, line });
        }
        m.set(key, x);
      }
      x.count++;
      x.overlapNs += Math.max(0, ov);
    }
  };

  for (const [t, kind] of [[model.runtime, 'runtime'], [model.osrt, 'osrt']] as const) {
    const { start, end, pid, tid, nameId, length } = t;
    for (let i = 0; i < length; i++) {
      if (end[i]! > lo && start[i]! < hi) visit(start[i]!, end[i]!, pid[i]!, tid[i]!, kind, () => apiName(model, nameId[i]!));
    }
  }
  {
    const { start, end, pid, tid, textId, length } = model.nvtx;
    for (let i = 0; i < length; i++) {
      if (end[i]! >= lo && start[i]! < hi) visit(start[i]!, end[i]!, pid[i]!, tid[i]!, 'nvtx', () => rangeLabel(model, textId[i]!));
    }
  }
  {
    const { start, end, pid, tid, nameId, kind, fileId, line, length } = model.cpu;
    for (let i = 0; i < length; i++) {
      if (end[i]! < lo || start[i]! >= hi) continue;
      visit(start[i]!, end[i]!, pid[i]!, tid[i]!, CPU_KINDS[kind[i]!] ?? 'cpu_op', () => nameOf(model, nameId[i]!),
        () => [nameOf(model, fileId[i]!), line[i]!]);
    }
  }
  return acc.map((m) => [...m.values()].sort((x, y) => y.overlapNs - x.overlapNs || y.count - x.count).slice(0, perWindow));
}

/** "cudaStreamSynchronize ×3 (1.20 ms, tid 42)" */
export function describeActivity(a: CpuActivity): string {
  const loc = a.file ? ` ${a.file}:${a.line}` : '';
  return `${a.kind} ${a.name}${loc} ×${a.count} (${(a.overlapNs / 1e6).toFixed(3)} ms, tid ${a.tid})`;
}
