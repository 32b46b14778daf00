// The diagnosis from the profile alone (`sysight analyze <profile>` without --repo, and the dashboard as soon
// as a profile opens): C1–C7 findings with their cost and the profile object that explains each — the NVTX
// range, CUDA call, Python frame, operator or copies the GPU or host waited for — plus notes in plain words on
// what the profile lacks. With a repository, src/analyze localizes the same evidence to lines.
import type { ProfileDiagnosis, ProfileFinding } from '../../core/findings.js';
import type { ProfileModel } from '../../core/profile.js';
import { iterationDetail } from '../../profile/queries/iterations.js';
import { hasGpuActivity } from '../../profile/queries/util.js';
import { makeContext, type DiagnoseContext } from './context.js';
import { copyFindings, launchFinding, ncclFinding } from './gpu.js';
import { idleFindings } from './idle.js';
import { syncFindings } from './sync.js';

export interface DiagnoseOptions {
  profilePath?: string;
  /** smallest share of the profile (0..1) a finding must cost (default 0.01) */
  minShare?: number;
}

export function diagnoseProfile(model: ProfileModel, o: DiagnoseOptions = {}): ProfileDiagnosis {
  const ctx = makeContext(model, o.minShare ?? 0.01);
  const gpu = hasGpuActivity(model);
  const findings: ProfileFinding[] = [];
  if (gpu) {
    const idle = idleFindings(ctx);
    const idleNs = idle.reduce((t, f) => t + f.impact.ms * 1e6, 0);
    findings.push(...syncFindings(ctx), ...idle, ...copyFindings(ctx), ...ncclFinding(ctx), ...launchFinding(ctx, idleNs));
  }
  findings.sort((a, b) => b.impact.ms - a.impact.ms || a.id.localeCompare(b.id));
  const it = ctx.iterations;
  const durs = it.iterations.map((x) => (x.endNs - x.startNs) / 1e6).sort((a, b) => a - b);
  const medianMs = durs.length ? (durs.length % 2 ? durs[durs.length >> 1]! : (durs[(durs.length >> 1) - 1]! + durs[durs.length >> 1]!) / 2) : null;
  return {
    schemaVersion: 1,
    profile: o.profilePath ?? model.meta.source,
    format: model.meta.format,
    durationMs: Math.round(ctx.spanNs / 1e3) / 1e3,
    iterations: { count: it.iterations.length, method: it.method, medianMs: medianMs === null ? null : Math.round(medianMs * 1000) / 1000, detail: iterationDetail(it) },
    gpu,
    findings,
    notes: notes(ctx, gpu, findings),
  };
}

function notes(ctx: DiagnoseContext, gpu: boolean, findings: ProfileFinding[]): string[] {
  const { model } = ctx;
  const cap = model.meta.capabilities;
  const out: string[] = [];
  if (!gpu) out.push('No GPU work in this profile (no kernels or copies): it is a CPU-only recording, so there is no GPU time to explain.');
  if (gpu && (!model.meta.gpus.length || model.meta.gpus.every((g) => /^GPU \d+$/.test(g.name)))) out.push('GPU model not recorded in this profile.');
  if (!cap.nvtx && model.nvtx.length === 0) out.push('No NVTX ranges or annotations: idle time can only be explained by CUDA calls, operators and Python frames.');
  if (!cap.pythonStacks && !cap.cudaCallchains) out.push('No call stacks (no Python frames or backtraces): findings name ranges and CUDA calls, not source lines; give the repository to localize them.');
  if (ctx.iterations.iterations.length === 0) out.push(`No steps found: costs are totals over the whole ${(ctx.spanNs / 1e6).toFixed(0)} ms profile.`);
  if (gpu && findings.length === 0) {
    out.push(`Nothing costs ${(ctx.minShare * 100).toFixed(0)}% of the profile or more: no long GPU idle stretch, sync stall, copy burden, exposed communication or launch starvation.`);
  }
  return out;
}
