// Analysis that knows graphs: kernels replayed by a CUDA graph pay no launch overhead each, so they are not
// tiny-kernel launches and are not starved between nodes; the same tiny kernels launched one by one are, and
// the C2 signal says that no graph captures them.
import { describe, expect, it } from 'vitest';
import { categorySignals, iterationFrame } from '../../analyze/signals.js';
import { ModelBuilder } from '../queries/model-builder.js';
import { launchStats } from '../queries/launch.js';

const STEPS = 20;
const KERNELS = 30;

/**
 * STEPS iterations (400 µs apart) of KERNELS 2 µs kernels. One by one: a launch call every 12 µs taking 8 µs, its
 * kernel 1 µs after the call ends, so the GPU waits 10 µs for every next launch. Graphed: one 8 µs graph launch,
 * its nodes 0.5 µs apart.
 */
function workload(graphed: boolean) {
  const b = new ModelBuilder();
  let t = 0;
  let corr = 1;
  for (let s = 0; s < STEPS; s++) {
    b.range(`step ${s}`, t, t + 400_000, { pid: 1, tid: 1 });
    if (graphed) {
      const c = corr++;
      b.api('cudaGraphLaunch_v10000', t + 1_000, t + 9_000, { pid: 1, tid: 1, correlationId: c });
      for (let k = 0; k < KERNELS; k++) b.kernel('tiny_add', t + 10_000 + k * 2_500, t + 12_000 + k * 2_500, { pid: 1, correlationId: c, streamId: 7 });
    } else {
      for (let k = 0; k < KERNELS; k++) {
        const c = corr++;
        const at = t + 1_000 + k * 12_000;
        b.api('cudaLaunchKernel_v7000', at, at + 8_000, { pid: 1, tid: 1, correlationId: c });
        b.kernel('tiny_add', at + 9_000, at + 11_000, { pid: 1, correlationId: c, streamId: 7 });
      }
    }
    t += 400_000;
  }
  return b.build();
}

describe('launch overhead and CUDA graphs', () => {
  it('does not count kernels inside a graph as tiny launches nor as starved between nodes', () => {
    const g = launchStats(workload(true));
    expect(g.graphKernelCount).toBe(STEPS * KERNELS);
    expect(g.graphKernelPct).toBe(100);
    expect(g.tinyKernelCount).toBe(0);
    // only each replay's first node waited for its graph launch: 19 gaps from the previous step's last node
    // (t − 400 + 84.5 µs) to t + 10 µs; the nodes 0.5 µs apart inside a replay are never starved
    expect(g.launchBoundIdleNs).toBe(19 * 325_500);
    const e = launchStats(workload(false));
    expect(e.graphKernelCount).toBe(0);
    expect(e.tinyKernelPct).toBe(100);
    // one by one: 19 gaps of 50 µs between steps plus 29 gaps of 10 µs in each of the 20 steps
    expect(e.launchBoundIdleNs).toBe(19 * 50_000 + 20 * 29 * 10_000);
  });

  it('gives the launch-bound loop that no graph captures a C2 signal that says so, and none to the graphed one', () => {
    const eager = workload(false);
    const c2 = categorySignals(eager, iterationFrame(eager)).get('C2');
    expect(c2).toBeDefined();
    const ev = c2!.evidence[0]!;
    expect(ev.kind === 'profile' ? ev.summary : '').toMatch(/no CUDA graph captures these launches/);
    const graphed = workload(true);
    expect(categorySignals(graphed, iterationFrame(graphed)).get('C2')).toBeUndefined();
  });
});
