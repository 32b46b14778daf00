// The diagnosis from the profile alone on three real recordings (../shared, skipped when absent). What each
// must name was read from the profiles with `sysight tool sync|gaps|nvtx` before this detector existed: the
// ~428 ms cudaStreamSynchronize under aten::item while each GPU copies host→device (GindaChen h100_2gpu_1s), the
// 393 ms KernelExecutor::compileFusion range over a 397 ms GPU gap (nvFuser), the GPU idle during four
// ~122 ms enumerate(DataLoader) annotations (OWLv2, TraceLens). diagnose.test.ts tests each detector alone.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openProfile } from '../../profile/open.js';
import { diagnoseProfile } from './index.js';

const SHARED = [join(process.cwd(), '..', 'shared'), join(process.cwd(), '..', '..', 'shared')].find((d) => existsSync(d)) ?? join(process.cwd(), '..', 'shared');
const GINDA = join(SHARED, 'profiles', 'GindaChen+nsys-ai__h100_2gpu_1s.sqlite');
const FUSER = join(SHARED, 'profiles', 'NVIDIA+Fuser__report1_64ee035.sqlite');
const OWL = join(SHARED, 'traces', 'tracelens', 'google_owlv2-large-patch14-ensemble__1016001.json.gz');

describe.skipIf(!existsSync(GINDA))('profile-only diagnosis: GindaChen h100_2gpu_1s', () => {
  it('names the sync stall under aten::item with the host→device copies it waited for, and the copies', async () => {
    const d = diagnoseProfile(await openProfile(GINDA));
    const stall = d.findings.find((f) => f.pattern === 'profile.sync-stall');
    expect(stall).toMatchObject({ category: 'C3', severity: 'critical', subject: { kind: 'api', name: 'cudaStreamSynchronize', chain: ['aten::is_nonzero', 'aten::item', 'aten::_local_scalar_dense'] } });
    expect(stall!.title).toMatch(/^cudaStreamSynchronize under aten::item blocks the host 429 ms on 2 threads while the GPU copies \d+\.\d GiB host→device$/);
    expect(stall!.impact.ms).toBeGreaterThan(425);
    expect(stall!.impact.ms).toBeLessThan(432);
    expect(stall!.impact.count).toBe(2);
    const copies = d.findings.find((f) => f.pattern === 'profile.copies' && f.subject.name === 'host→device copies');
    expect(copies).toMatchObject({ category: 'C4', severity: 'critical' });
    expect(copies!.title).toMatch(/47\.5 GiB in 450 copies \(921 ms per GPU on 2 GPUs\)/);
    // one step detector: the same 23 steps the Ranks view counts
    expect(d.iterations).toMatchObject({ count: 23, method: 'kernel-period' });
    expect(d.notes).toContain('GPU model not recorded in this profile.');
  });
});

describe.skipIf(!existsSync(FUSER))('profile-only diagnosis: nvFuser report1', () => {
  it('names the compile range over the GPU\'s longest idle stretch, with its cost', async () => {
    const d = diagnoseProfile(await openProfile(FUSER));
    const f = d.findings[0]!;
    expect(f).toMatchObject({ category: 'C1', pattern: 'profile.compile', subject: { kind: 'nvtx', name: 'KernelExecutor::compileFusion' } });
    expect(f.subject.chain).toEqual(['KernelExecutor::compileFusion', 'executor_utils::NVRTC', 'executor_utils::Nvrtc::CompileProgram']);
    expect(f.impact.ms).toBeGreaterThan(395);
    expect(f.impact.ms).toBeLessThan(398);
    expect(f.impact.pctOfProfile).toBeCloseTo(61.1, 1);
    // the launch-starved idle is not counted a second time on top of the compile gap
    expect(d.findings.filter((x) => x.pattern === 'profile.launch-bound')).toEqual([]);
  });
});

describe.skipIf(!existsSync(OWL))('profile-only diagnosis: TraceLens OWLv2 inference', () => {
  it('names the DataLoader waits, their count and cost, and the Python line that loads the data', async () => {
    const d = diagnoseProfile(await openProfile(OWL));
    const f = d.findings[0]!;
    expect(f).toMatchObject({ category: 'C1', pattern: 'profile.data-loading', subject: { kind: 'nvtx', name: 'enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__' } });
    expect(f.impact.count).toBe(4);
    expect(f.impact.ms).toBeGreaterThan(490);
    expect(f.impact.ms).toBeLessThan(496);
    expect(f.subject.file).toMatch(/\.py$/);
    expect(f.title).toMatch(/^GPU idle 493 ms waiting for data: enumerate\(DataLoader\)#_SingleProcessDataLoaderIter\.__next__ \(4 gaps of ~123 ms\)$/);
    expect(d.iterations).toMatchObject({ count: 1, method: 'nvtx' });
  });
});
