// Apportioning: a line's ms/iter is what its own evidence explains, and a profile's column never sums past its
// iteration. Costs that nest (a DataLoader's time holds the per-sample lines; a sync's wait holds the GPU work
// it waits for) are shown where they are explained best, once; one line holds one finding.
import type { Finding } from '../core/findings.js';
import { siteKey } from './attribution.js';

/** What the passes need: the share of the iteration a cost is, and the iteration. */
export interface Fit {
  share(ms: number): number;
  iterMs: number | null;
}

/** Per-sample functions: a Dataset's item access and collate functions run for every sample of every batch. */
export const PER_SAMPLE_FN = /(^|\.)(__getitem__|__getitems__|[A-Za-z_]*collate[A-Za-z_]*)$/;

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * One root cause, one finding: two findings on one line (a `.item()` that is both a host read and a per-element
 * conversion) keep the costlier; the other goes to `unconfirmed`, saying which finding holds the line.
 */
export function onePerLine(fs: Finding[], unconfirmed: Finding[]): Finding[] {
  const kept = new Map<string, Finding>();
  for (const f of fs) {
    const k = siteKey(f.file, f.line);
    const b = kept.get(k);
    if (!b) { kept.set(k, f); continue; }
    const [win, lose] = f.impact.msPerIter > b.impact.msPerIter ? [f, b] : [b, f];
    kept.set(k, win);
    unconfirmed.push({ ...lose, evidence: [{ kind: 'profile', query: 'summary', summary: `the same line is the ${win.category} finding (${win.pattern}): one root cause, one finding` }, ...lose.evidence] });
  }
  return fs.filter((f) => kept.get(siteKey(f.file, f.line)) === f);
}

/**
 * The DataLoader's time on the training thread (its host-bound idle, or its frames in a CPU-only profile) holds
 * the per-sample lines: the loader finding keeps the part no per-sample finding explains, so no time is counted
 * twice.
 */
export function nestLoaderCost(j: Fit, fs: Finding[]): void {
  const pooled = (f: Finding) => f.evidence.some((e) => e.kind === 'profile' && e.values?.poolMsPerIter !== undefined);
  const inner = fs.filter((f) => f.category === 'C7' && PER_SAMPLE_FN.test(f.function) && !pooled(f)).reduce((t, f) => t + f.impact.msPerIter, 0);
  if (inner <= 0) return;
  for (const [i, f] of fs.entries()) {
    // a loader that already shares one pool with the per-sample lines (a profile without stacks) holds its part only
    if (f.category !== 'C1' || f.evidence.some((e) => e.kind === 'profile' && e.values?.poolMsPerIter !== undefined)) continue;
    const own = Math.max(0, f.impact.msPerIter - inner);
    fs[i] = {
      ...f,
      impact: { msPerIter: round(own), pctOfIter: round(j.share(own) * 100) },
      evidence: [{ kind: 'profile', query: 'python-stack', summary: `${f.impact.msPerIter.toFixed(3)} ms/iter of data loading on the training thread, of which ${inner.toFixed(3)} ms/iter is on the per-sample lines reported apart: ${own.toFixed(3)} ms/iter left here; moving loading to workers hides all of it`, values: { loaderMsPerIter: f.impact.msPerIter, perSampleMsPerIter: round(inner) } }, ...f.evidence],
    };
  }
}

/**
 * A synchronization's wait is the GPU finishing its queued work; where that work is itself a finding (fp32
 * GEMMs, exposed NCCL), its time is reported at the line that issues it and the wait keeps the rest.
 */
export function nestGpuWork(j: Fit, fs: Finding[]): void {
  const onGpu = (f: Finding) => f.category === 'C5' || f.category === 'C6';
  const gpu = fs.filter(onGpu).reduce((t, f) => t + f.impact.msPerIter, 0);
  if (gpu <= 0) return;
  let left = gpu;
  const syncs = fs.map((f, i) => [f, i] as const).filter(([f]) => f.category === 'C3').sort((a, b) => b[0].impact.msPerIter - a[0].impact.msPerIter);
  for (const [f, i] of syncs) {
    if (left <= 0) break;
    const take = Math.min(left, f.impact.msPerIter);
    left -= take;
    const own = f.impact.msPerIter - take;
    fs[i] = {
      ...f,
      impact: { msPerIter: round(own), pctOfIter: round(j.share(own) * 100) },
      evidence: [{ kind: 'profile', query: 'sync', summary: `${f.impact.msPerIter.toFixed(3)} ms/iter waiting here, of which ${take.toFixed(3)} ms/iter is GPU work reported at its own line (${fs.filter(onGpu).map((x) => `${x.category} ${x.file}:${x.line}`).join(', ')}): ${own.toFixed(3)} ms/iter left here`, values: { waitMsPerIter: f.impact.msPerIter, nestedMsPerIter: round(take) } }, ...f.evidence],
    };
  }
}

/**
 * The column never sums past the iteration. What is left over after the nesting above comes from the profile's
 * window (events of a partial iteration at its edges divided by the whole iterations detected): the costliest
 * finding gives up the excess, and says so.
 */
export function fitIteration(j: Fit, fs: Finding[]): void {
  const iterMs = j.iterMs;
  if (!iterMs || !fs.length) return;
  const sum = fs.reduce((t, f) => t + f.impact.msPerIter, 0);
  const excess = sum - iterMs;
  if (excess <= 0) return;
  const i = fs.reduce((b, f, k) => (f.impact.msPerIter > fs[b]!.impact.msPerIter ? k : b), 0);
  const f = fs[i]!;
  const own = Math.max(0, f.impact.msPerIter - excess);
  fs[i] = {
    ...f,
    impact: { msPerIter: round(own), pctOfIter: round(j.share(own) * 100) },
    evidence: [{ kind: 'profile', query: 'iterations', summary: `measured ${f.impact.msPerIter.toFixed(3)} ms/iter; the findings together measured ${sum.toFixed(3)} ms/iter of a ${iterMs.toFixed(3)} ms iteration (events at the window's edges), so this one shows ${own.toFixed(3)}`, values: { measuredMsPerIter: f.impact.msPerIter } }, ...f.evidence],
  };
}

