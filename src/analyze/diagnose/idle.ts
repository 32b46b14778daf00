// GPU idle explained: every device gap above a threshold is matched to what its process's threads were doing
// through most of it — an NVTX / annotation range (a compile, a DataLoader fetch), else a Python frame, else a CPU
// operator, else a CUDA API call — and the gaps with the same explanation become one finding with their total.
import type { Category, Evidence, ProfileFinding } from '../../core/findings.js';
import { deviceBusy } from '../../profile/queries/util.js';
import { apiName, nameOf, rangeLabel } from '../../profile/queries/util.js';
import { type DiagnoseContext, atMs, enough, finding, fmtMs, frameLabel, isStepName, unionNs, windowScanner } from './context.js';

interface Cand { name: string; start: number; dur: number; ov: number; tid: number; file?: string; line?: number }
interface GapWin { startNs: number; endNs: number; deviceId: number; ranges: Cand[]; python: Cand[]; ops: Cand[]; api: Cand[]; os: Cand[] }

const DATA = /data_?loader|dataloader|__next__|collate|prefetch|get_?batch|dataset|fetch/i;
const COMPILE = /compil|nvrtc|\bjit\b|inductor|dynamo|triton|autotun|\bptx\b|cubin|lowering|codegen/i;
/** a gap is explained by what covers at least this share of it */
const COVER = 0.5;

export interface IdleOptions {
  /** smallest gap considered (default 200 µs) */
  minGapNs?: number;
  /** at most this many gaps, largest first (default 2000) */
  maxGaps?: number;
}

/** Device-wide GPU idle gaps (no kernel, copy or memset on any stream), largest first. */
export function deviceGaps(ctx: DiagnoseContext, o: IdleOptions = {}): GapWin[] {
  const min = o.minGapNs ?? 200_000;
  const out: GapWin[] = [];
  for (const d of deviceBusy(ctx.model)) {
    const b = d.busy;
    for (let i = 1; i < b.length; i++) {
      const s = b.end[i - 1]!, e = b.start[i]!;
      if (e - s >= min) out.push({ startNs: s, endNs: e, deviceId: d.deviceId, ranges: [], python: [], ops: [], api: [], os: [] });
    }
  }
  return out.sort((a, b) => (b.endNs - b.startNs) - (a.endNs - a.startNs)).slice(0, o.maxGaps ?? 2000);
}

export function idleFindings(ctx: DiagnoseContext, o: IdleOptions = {}): ProfileFinding[] {
  const { model } = ctx;
  const gaps = deviceGaps(ctx, o);
  if (!gaps.length) return [];
  const scan = windowScanner(gaps);
  const relevant = (g: GapWin, pid: number) => !ctx.gpuPids.has(pid) || !!ctx.pidsByDevice.get(g.deviceId)?.has(pid);
  const add = (list: 'ranges' | 'python' | 'ops' | 'api' | 'os', s: number, e: number, pid: number, tid: number, name: () => string, loc?: () => [string, number]) => {
    scan(s, e, (g) => {
      const gd = g.endNs - g.startNs;
      const ov = Math.min(e, g.endNs) - Math.max(s, g.startNs);
      // every overlapping CUDA call is kept: several short calls of one name together may explain the gap
      if (ov <= 0 || (list !== 'api' && list !== 'os' && ov < COVER * gd) || !relevant(g, pid)) return;
      const nm = name();
      if (list === 'ranges' && isStepName(nm)) return;
      const c: Cand = { name: nm, start: s, dur: e - s, ov, tid };
      if (loc) { const [file, line] = loc(); if (file) Object.assign(c, { file, line }); }
      g[list].push(c);
    });
  };
  const r = model.nvtx;
  for (let i = 0; i < r.length; i++) if (r.end[i]! > r.start[i]!) add('ranges', r.start[i]!, r.end[i]!, r.pid[i]!, r.tid[i]!, () => rangeLabel(model, r.textId[i]!));
  const c = model.cpu;
  for (let i = 0; i < c.length; i++) {
    const k = c.kind[i]!;
    add(k === 1 ? 'python' : k === 0 ? 'ops' : 'ranges', c.start[i]!, c.end[i]!, c.pid[i]!, c.tid[i]!, () => nameOf(model, c.nameId[i]!),
      k === 1 ? () => [nameOf(model, c.fileId[i]!), c.line[i]!] : undefined);
  }
  const a = model.runtime;
  for (let i = 0; i < a.length; i++) add('api', a.start[i]!, a.end[i]!, a.pid[i]!, a.tid[i]!, () => apiName(model, a.nameId[i]!));
  const os = model.osrt;
  for (let i = 0; i < os.length; i++) add('os', os.start[i]!, os.end[i]!, os.pid[i]!, os.tid[i]!, () => apiName(model, os.nameId[i]!));

  const groups = new Map<string, { cat: Category; pattern: string; subject: ProfileFinding['subject']; what: string; gaps: GapWin[]; tid: number }>();
  for (const g of gaps) {
    const x = explain(ctx, g);
    const key = `${x.pattern}|${x.subject.kind}|${x.subject.name}`;
    const grp = groups.get(key);
    if (grp) grp.gaps.push(g);
    else groups.set(key, { ...x, gaps: [g] });
  }
  const out: ProfileFinding[] = [];
  for (const grp of groups.values()) {
    const ns = unionNs(grp.gaps.map((g) => [g.startNs, g.endNs]));
    if (!enough(ctx, ns)) continue;
    const n = grp.gaps.length;
    const devices = [...new Set(grp.gaps.map((g) => g.deviceId))].sort((x, y) => x - y);
    const thread = threadName(ctx, grp.tid);
    const ev: Evidence[] = [{
      kind: 'profile', query: 'gaps',
      summary: `GPU ${devices.join(', ')} idle ${fmtMs(ns)} in ${n} gap${n > 1 ? 's' : ''} (${((100 * ns) / ctx.spanNs).toFixed(1)}% of the profile)${grp.tid < 0 ? '' : grp.subject.kind === 'thread' ? ` while ${thread} made only ${grp.what}` : ` while ${thread} was in ${grp.what}`}`,
      values: { gaps: n, idleMs: Math.round(ns / 1e3) / 1e3, largestGapMs: Math.round(Math.max(...grp.gaps.map((g) => g.endNs - g.startNs)) / 1e3) / 1e3 },
      ranges: grp.gaps.slice(0, 8).map((g) => [g.startNs, g.endNs]),
    }];
    for (const g of grp.gaps.slice(0, 3)) ev.push({ kind: 'profile', query: 'gaps', summary: `${fmtMs(g.endNs - g.startNs)} idle on GPU ${g.deviceId} at ${atMs(ctx, g.startNs)}${describeGap(g)}`, ranges: [[g.startNs, g.endNs]] });
    if (grp.subject.chain && grp.subject.chain.length > 1) ev.push({ kind: 'stack', via: 'nvtx', frames: grp.subject.chain });
    const py = deepestFrames(grp.gaps[0]!, grp.tid);
    if (py.length) ev.push({ kind: 'stack', via: 'python-stack', frames: py });
    out.push(finding(ctx, { category: grp.cat, pattern: grp.pattern, title: titleOf(grp.pattern, grp.what, ns, n), subject: grp.subject, ns, count: n, evidence: ev }));
  }
  return out;
}

function titleOf(pattern: string, what: string, ns: number, n: number): string {
  const each = n > 1 ? ` (${n} gaps of ~${fmtMs(ns / n)})` : '';
  switch (pattern) {
    case 'profile.data-loading': return `GPU idle ${fmtMs(ns)} waiting for data: ${what}${each}`;
    case 'profile.compile': return `GPU idle ${fmtMs(ns)} during compilation: ${what}${each}`;
    case 'profile.api-stall': return `GPU idle ${fmtMs(ns)} while the host is in ${what}${each}`;
    case 'profile.python': return `GPU idle ${fmtMs(ns)} while Python runs ${what}${each}`;
    case 'profile.cpu-op': return `GPU idle ${fmtMs(ns)} while the host runs ${what}${each}`;
    case 'profile.host-idle': return what === 'nothing recorded'
      ? `GPU idle ${fmtMs(ns)} with no recorded CPU activity to explain it${each}`
      : `GPU idle ${fmtMs(ns)} while the host runs unrecorded work between CUDA calls (${what})${each}`;
    default: return `GPU idle ${fmtMs(ns)} during ${what}${each}`;
  }
}

/** Outermost first: earlier start, then longer. */
const nesting = (x: Cand, y: Cand) => x.start - y.start || y.dur - x.dur;

function deepestFrames(g: GapWin, tid: number): string[] {
  return g.python.filter((p) => p.file && p.tid === tid).sort(nesting).map((p) => frameLabel(p.name, p.file ?? '', p.line ?? 0));
}

/** Library internals (PyTorch, the standard library's threading) are rarely where a user acts: the deepest other frame. */
const INTERNAL = /^(torch|threading|multiprocessing|concurrent|asyncio)(\/|\.py$)|\/site-packages\/torch\/|^<string>$/;
export function userFrame<T extends { file?: string | undefined }>(frames: T[]): T | undefined {
  const withFile = frames.filter((p) => p.file);
  return withFile.filter((p) => !INTERNAL.test(p.file!)).pop() ?? withFile.pop();
}

function explain(ctx: DiagnoseContext, g: GapWin): { cat: Category; pattern: string; subject: ProfileFinding['subject']; what: string; tid: number } {
  const withLoc = (s: ProfileFinding['subject'], tid: number): ProfileFinding['subject'] => {
    const deep = userFrame(g.python.filter((p) => p.tid === tid).sort(nesting));
    return deep ? { ...s, file: deep.file!, line: deep.line ?? 0 } : s;
  };
  const classify = (names: string[]): 'data' | 'compile' | null =>
    names.some((n) => DATA.test(n)) ? 'data' : names.some((n) => COMPILE.test(n)) ? 'compile' : null;
  if (g.ranges.length) {
    const outer = g.ranges.slice().sort((x, y) => y.ov - x.ov || nesting(x, y))[0]!;
    const chain = dedupe(g.ranges.filter((x) => x.tid === outer.tid).sort(nesting).map((x) => x.name));
    const cls = classify(chain);
    const pattern = cls === 'data' ? 'profile.data-loading' : cls === 'compile' ? 'profile.compile' : 'profile.host-range';
    return { cat: 'C1', pattern, subject: withLoc({ kind: 'nvtx', name: outer.name, chain }, outer.tid), what: chain.length > 1 ? `${outer.name} › ${chain[chain.length - 1]}` : outer.name, tid: outer.tid };
  }
  if (g.python.some((p) => p.file)) {
    const frames = g.python.filter((p) => p.file).sort(nesting);
    const deep = userFrame(frames)!;
    const label = frameLabel(deep.name, deep.file!, deep.line ?? 0);
    const cls = classify(frames.map((p) => `${p.name} ${p.file}`));
    return { cat: cls === 'data' ? 'C1' : 'C7', pattern: cls === 'data' ? 'profile.data-loading' : cls === 'compile' ? 'profile.compile' : 'profile.python',
      subject: { kind: 'python', name: label, chain: frames.map((p) => frameLabel(p.name, p.file!, p.line ?? 0)), file: deep.file!, line: deep.line ?? 0 }, what: label, tid: deep.tid };
  }
  if (g.ops.length) {
    const ops = g.ops.slice().sort(nesting);
    const outer = ops[0]!;
    return { cat: 'C7', pattern: 'profile.cpu-op', subject: { kind: 'op', name: outer.name, chain: dedupe(ops.map((x) => x.name)) }, what: outer.name, tid: outer.tid };
  }
  if (g.api.length) {
    // one call over half the gap, else the calls of one name that together cover a quarter of it
    const gd = g.endNs - g.startNs;
    const byName = new Map<string, Cand>();
    for (const x of g.api) {
      const t = byName.get(x.name);
      if (t) t.ov += x.ov; else byName.set(x.name, { ...x });
    }
    const top = [...byName.values()].sort((x, y) => y.ov - x.ov)[0]!;
    if (top.ov >= 0.25 * gd) {
      const what = top.ov >= COVER * gd ? top.name : `${top.name} (${Math.round((100 * top.ov) / gd)}% of the gap)`;
      return { cat: 'C2', pattern: 'profile.api-stall', subject: { kind: 'api', name: top.name }, what, tid: top.tid };
    }
  }
  // nothing covers it: the thread with recorded calls in it (OS calls tell file reads from waits), else nobody
  const calls = [...g.os, ...g.api];
  if (calls.length) {
    const byTid = new Map<number, number>();
    for (const x of calls) byTid.set(x.tid, (byTid.get(x.tid) ?? 0) + x.ov);
    const tid = [...byTid.entries()].sort((x, y) => y[1] - x[1])[0]![0];
    const counts = new Map<string, number>();
    for (const x of calls) if (x.tid === tid) counts.set(x.name, (counts.get(x.name) ?? 0) + 1);
    const top = [...counts.entries()].sort((x, y) => y[1] - x[1]).slice(0, 3).map(([n, k]) => `${n} ×${k}`).join(', ');
    return { cat: 'C1', pattern: 'profile.host-idle', subject: { kind: 'thread', name: threadName(ctx, tid) }, what: top, tid };
  }
  return { cat: 'C1', pattern: 'profile.host-idle', subject: { kind: 'thread', name: 'no recorded CPU activity' }, what: 'nothing recorded', tid: -1 };
}

function describeGap(g: GapWin): string {
  const parts: string[] = [];
  const rng = g.ranges.slice().sort(nesting)[0];
  if (rng) parts.push(`range ${rng.name} (${fmtMs(rng.dur)})`);
  const api = g.api.slice().sort((x, y) => y.ov - x.ov)[0];
  if (api) parts.push(`CUDA call ${api.name} (${fmtMs(api.dur)})`);
  return parts.length ? `, during ${parts.join(', ')}` : '';
}

function dedupe(xs: string[]): string[] {
  return xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
}

export function threadName(ctx: DiagnoseContext, tid: number): string {
  if (tid < 0) return 'the host';
  const t = ctx.model.meta.threads.find((x) => x.tid === tid);
  if (!t?.name) return `thread ${tid}`;
  return t.name.includes(String(tid)) ? t.name : `thread ${t.name} (tid ${tid})`;
}
