// `sysight tool graphs <profile> [--capture <trace>]`: CUDA graph replays, their nodes' capture-time lines and
// torch.compile regions (see ./report.ts). The capture trace is opened by the caller and passed as `capture`.
import type { ProfileModel } from '../../core/profile.js';
import type { QueryDef } from '../queries/query-def.js';
import { intArg, round } from '../queries/util.js';
import type { GraphsReport } from './report.js';
import { graphsReport } from './report.js';
import { formatSite } from './sites.js';

function isModel(v: unknown): v is ProfileModel {
  return typeof v === 'object' && v !== null && 'kernels' in v && 'runtime' in v && 'meta' in v;
}

export const graphsQuery: QueryDef<GraphsReport> = {
  name: 'graphs',
  description: 'CUDA/HIP graph replays (per graph: launches, kernels, ms, replay site; per node: ms and capture site with --capture) and torch.compile regions',
  params: [
    { name: 'limit', type: 'number', description: 'nodes listed per graph, heaviest first (0 = all)', default: 20 },
  ],
  run(model, args) {
    const capture = isModel(args.capture) ? args.capture : undefined;
    return graphsReport(model, { ...(capture ? { capture } : {}), nodeLimit: intArg(args, 'limit', 20) });
  },
  format(r) {
    const out: string[] = [];
    out.push(`graph replays: ${r.replays} (${r.graphLaunches} launch calls), ${r.replayMs} ms; ${r.graphKernels} kernels traced in them = ${round(r.graphShare * 100, 1)}% of kernel time`);
    const c = r.capture;
    if (c.source !== 'none') {
      out.push(`capture (${c.source === 'self' ? 'this profile' : 'capture trace'}): ${c.capturedGraphs} graph(s), ${c.capturedLaunches} launches; ` +
        `${c.attributedKernels}/${c.replayedKernels} replayed kernels on a capture-time line = ${round(c.attributedShare * 100, 1)}% of ${c.replayedMs} ms ` +
        `(exact ${c.exact}, grid/block differ ${c.dimsDiffer}, ambiguous ${c.ambiguous}, unmatched ${c.unmatched})`);
      for (const l of c.lines.slice(0, 8)) out.push(`  ${l.ms.toFixed(3).padStart(9)} ms ${String(l.kernels).padStart(5)} kernels  captured at ${formatSite(l.site)}`);
      for (const u of c.unmatchedKernels.slice(0, 5)) out.push(`  unmatched: ${u.kernels}× ${u.name.slice(0, 80)} (${u.ms} ms)`);
      for (const u of c.ambiguousKernels.slice(0, 5)) out.push(`  ambiguous: ${u.kernels}× ${u.name.slice(0, 80)} (${u.ms} ms)`);
    }
    for (const g of r.graphs) {
      out.push('');
      out.push(`graph ${g.graph}${g.graphExecId !== undefined ? ` (exec ${g.graphExecId})` : ''}: ${g.replays} replay(s)${g.inferredReplays ? ` (${g.inferredReplays} without their launch call)` : ''}, ` +
        `${g.kernelsPerReplay} kernels${g.memOpsPerReplay ? ` + ${g.memOpsPerReplay} memset/memcpy` : ''} per replay, ${g.totalMs} ms (${g.meanReplayMs} ms/replay)`);
      out.push(`  replayed from ${formatSite(g.replaySite)}`);
      for (const n of g.nodes) {
        const at = n.match === 'no-capture' ? '' : n.match === 'unmatched' ? '  · capture: unmatched' : `  · captured at ${formatSite(n.captureSite)}${n.match === 'exact' ? '' : ` (${n.match})`}`;
        out.push(`  #${String(n.node).padEnd(4)} ${n.ms.toFixed(3).padStart(9)} ms  ${n.name.slice(0, 60)}${at}`);
      }
    }
    const cp = r.compiled;
    if (cp.regions.length > 0 || cp.tritonKernels > 0) {
      out.push('');
      out.push(`compiled regions: ${cp.regions.length}; Triton kernels ${cp.tritonInRegion}/${cp.tritonKernels} inside a region` +
        (cp.graphBreaks ? `; graph breaks ${cp.graphBreaks.count}` : '') + (cp.recompiles ? `; recompiles ${cp.recompiles}` : ''));
      for (const reg of cp.regions.slice(0, 15)) {
        const fused = reg.fusedOps.slice(0, 6).map((o) => o.op).join(', ');
        out.push(`  ${reg.name.slice(0, 50).padEnd(50)} ${String(reg.calls).padStart(5)} calls ${String(reg.kernels).padStart(6)} kernels (${reg.tritonKernels} Triton, ${reg.graphKernels} in graphs) ${round(reg.gpuNs / 1e6, 3)} ms` +
          `  from ${formatSite(reg.site)}${fused ? `  fuses ${fused}` : ''}`);
      }
      for (const o of cp.tritonOutside.slice(0, 5)) out.push(`  outside any region: ${o.kernels}× ${o.name.slice(0, 60)}`);
    }
    for (const n of r.notes) out.push(`note: ${n}`);
    return out.join('\n');
  },
};
