// The reader on real Nsight Systems exports (../shared/profiles, nsys 2022.1 to 2026.2). Every expected value
// below was read from the files independently with python3's sqlite3 (queries in the comments).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CopyKind, MemKind, SyncKind } from '../../core/profile.js';
import type { ProfileModel } from '../../core/profile.js';
import { openProfile } from '../open.js';
import { OSRT_CALLCHAIN_BASE } from './load-cpu.js';

// ../shared next to the repository (CI); ../../shared when the checkout is a worktree under wt/
const DIR = [join(process.cwd(), '..', 'shared', 'profiles'), join(process.cwd(), '..', '..', 'shared', 'profiles')]
  .find((d) => existsSync(d)) ?? join(process.cwd(), '..', 'shared', 'profiles');
const has = existsSync(DIR);
const open = (name: string): Promise<ProfileModel> => openProfile(join(DIR, name));
const sum = (a: ArrayLike<number>, b: ArrayLike<number>, n: number) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += b[i]! - a[i]!;
  return s;
};
const names = (m: ProfileModel, ids: Int32Array, n: number) => {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) out.set(m.strings[ids[i]!]!, (out.get(m.strings[ids[i]!]!) ?? 0) + 1);
  return out;
};

describe.skipIf(!has)('nsys reader on real exports', () => {
  it('h100_2gpu_1s (2026.2): two processes on two GPUs, inline NVTX text, nesting', async () => {
    const m = await open('GindaChen+nsys-ai__h100_2gpu_1s.sqlite');
    // SELECT count(*), sum(end-start) FROM CUPTI_ACTIVITY_KIND_KERNEL → 3442, 44829522
    expect(m.kernels.length).toBe(3442);
    expect(sum(m.kernels.start, m.kernels.end, m.kernels.length)).toBe(44829522);
    expect([m.runtime.length, m.memcpy.length, m.memset.length, m.sync.length, m.nvtx.length]).toEqual([5796, 904, 22, 244, 16782]);
    // SELECT (globalPid>>24)&16777215, count(*) … GROUP BY 1 → (111, 1721), (112, 1721)
    expect(m.meta.processes.map((p) => [p.pid, p.name])).toEqual([[111, 'python3'], [112, 'python3']]);
    expect(m.kernels.pid.filter((p) => p === 111).length).toBe(1721);
    expect(m.meta.toolVersion).toBe('2026.2.1.210');
    expect(m.meta.schemaVersion).toBe('3.25.0');
    expect(m.meta.commandLine).toMatch(/^bash -c 'pytest/);
    // no TARGET_INFO_GPU in this export: devices named by id from KERNEL.deviceId
    expect(m.meta.gpus.map((g) => g.deviceId)).toEqual([0, 1]);
    expect(m.meta.notes.join('\n')).toMatch(/no TARGET_INFO_GPU/);
    // META_DATA_EXPORT: DERIVED_FROM perf_h100_sp2_fa3.sqlite, DERIVED_WINDOW_NS 155330248986-156330248986
    expect(m.meta.notes.join('\n')).toContain('time window 155330248986-156330248986 ns of perf_h100_sp2_fa3.sqlite');
    // copyKind/srcKind/dstKind: (1,0,2)×4 (1,1,2)×446 (2,2,1)×4 (8,2,2)×450
    const pinnedHtoD = [...m.memcpy.copyKind].filter((k, i) => k === CopyKind.HtoD && m.memcpy.srcKind[i] === MemKind.Pinned);
    expect(pinnedHtoD.length).toBe(446);
    expect([...m.memcpy.copyKind].filter((k) => k === CopyKind.DtoD).length).toBe(450);
    expect([...m.memcpy.dstKind].filter((k, i) => m.memcpy.copyKind[i] === CopyKind.DtoH && k === MemKind.Pinned).length).toBe(4);
    // syncs joined to cudaStreamWaitEvent ×236, cudaStreamSynchronize ×8
    expect([...m.sync.syncKind].filter((k) => k === SyncKind.StreamWaitEvent).length).toBe(236);
    expect([...m.sync.syncKind].filter((k) => k === SyncKind.Stream).length).toBe(8);
    // NVTX text is inline here: "aten::to, op_id = 317177" appears twice
    expect(names(m, m.nvtx.textId, m.nvtx.length).get('aten::to, op_id = 317177')).toBe(2);
    // ranges strictly inside another range of the same thread: 12444
    expect([...m.nvtx.depth].filter((d) => d > 0).length).toBe(12444);
    expect(m.meta.startNs).toBe(155357525002);
  });

  it('mock (2026.1): the full 45-table layout, sync kind from the API name, version suffixes kept', async () => {
    const m = await open('GindaChen+nsys-ai__mock.sqlite');
    expect([m.kernels.length, m.runtime.length, m.memcpy.length, m.sync.length]).toEqual([2, 9, 1, 1]);
    expect(m.meta.gpus[0]!.name).toBe('NVIDIA GeForce RTX 3080');
    expect(m.meta.processes.map((p) => p.pid)).toEqual([91186]);
    expect(m.meta.commandLine).toContain('torch.zeros(16, device=');
    expect(names(m, m.runtime.nameId, m.runtime.length).get('cudaLaunchKernel_v7000')).toBe(2);
    // memcpy: copyKind 2 (DtoH), srcKind 2 (device), dstKind 1 (pinned), 4 bytes
    expect([m.memcpy.copyKind[0], m.memcpy.srcKind[0], m.memcpy.dstKind[0], m.memcpy.bytes[0]])
      .toEqual([CopyKind.DtoH, MemKind.Device, MemKind.Pinned, 4]);
    // syncType is 2 ("stream wait event" in its ENUM table) yet the call is cudaStreamSynchronize_v3020
    expect(m.sync.syncKind[0]).toBe(SyncKind.Stream);
    expect(m.sync.tid[0]).toBe(91186);
    expect(names(m, m.kernels.nameId, 2)).toEqual(new Map([['vectorized_elementwise_kernel', 1], ['reduce_kernel', 1]]));
  });

  it('memfusion (2023.1, EXPORT_META_DATA): opens, 4 GPUs listed, 36 kernels of 14 names', async () => {
    const m = await open('LeiWang1999+memfusion_artifact__report1.sqlite');
    expect(m.kernels.length).toBe(36);
    expect(names(m, m.kernels.nameId, m.kernels.length).size).toBe(14);
    expect(m.meta.gpus.map((g) => g.name)).toEqual(Array(4).fill('NVIDIA GeForce RTX 3090'));
    expect(m.meta.toolVersion).toBe('2023.1.2.43');
    expect([...new Set(m.kernels.pid)]).toEqual([24129]);
  });

  it('DLProf (2022.1): extra columns ignored, no ENUM tables, default enum numbers', async () => {
    const m = await open('MohanadOdema+DLProf__nsys_profile.sqlite');
    expect([m.kernels.length, m.sync.length, m.memcpy.length]).toEqual([59, 69, 13]);
    expect(names(m, m.kernels.nameId, m.kernels.length).get('implicit_convolve_sgemm')).toBe(6);
    // copyKind 1, srcKind 0, dstKind 2 for all 13
    expect([...m.memcpy.copyKind].every((k) => k === CopyKind.HtoD)).toBe(true);
    expect([...m.memcpy.srcKind].every((k) => k === MemKind.Pageable)).toBe(true);
    // cudaStreamSynchronize ×11, cudaDeviceSynchronize ×2, cudaEventSynchronize ×15 + cudaEventQuery ×1
    expect([...m.sync.syncKind].filter((k) => k === SyncKind.Stream).length).toBe(11);
    expect([...m.sync.syncKind].filter((k) => k === SyncKind.Device).length).toBe(2);
    expect([...m.sync.syncKind].filter((k) => k === SyncKind.Event).length).toBe(16);
  });

  it('healthy_1pct (synthetic, 6 tables, no globalPid): kernels take the pid of their runtime call', async () => {
    const m = await open('GindaChen+nsys-ai__healthy_1pct.sqlite');
    expect(m.kernels.length).toBe(400);
    expect(sum(m.kernels.start, m.kernels.end, 400)).toBe(400000000);
    expect([...new Set(m.kernels.pid)]).toEqual([0]);
    expect(m.meta.gpus).toEqual([{ deviceId: 0, name: 'NVIDIA H100 80GB HBM3' }]);
    expect(m.meta.notes.join('\n')).toMatch(/no globalPid/);
  });

  it('EfficientCenterFormer (2022.4): NVTX only, text through textId', async () => {
    const m = await open('YoonKyonghwan+EfficientCenterFormer__baseline.sqlite');
    expect(m.nvtx.length).toBe(1824);
    expect(m.kernels.length + m.runtime.length).toBe(0);
    expect(names(m, m.nvtx.textId, m.nvtx.length).get('transformer_forward')).toBe(304);
    expect(m.meta.capabilities.nvtx).toBe(true);
    expect(m.meta.capabilities.kernels).toBe(false);
    expect(m.meta.notes[0]).toMatch(/^NVTX only/);
    expect([...new Set(m.nvtx.tid)]).toEqual([1686621]);
  });

  it('DynamicViT (degenerate 6-table export) and tutorial_vqe (no KERNEL table)', async () => {
    const d = await open('amir-ghz+DynamicViT__nsys_profile.sqlite');
    expect(d.meta.notes[0]).toMatch(/^no activity/);
    expect(d.meta.notes.join('\n')).toMatch(/nsys version unknown/);
    const v = await open('davidev886+tutorial_vqe__report1.sqlite');
    expect(v.runtime.length).toBe(11);
    expect(v.meta.gpus).toHaveLength(8);
    expect(v.meta.notes.join('\n')).toMatch(/no KERNEL table: GPU metrics unavailable/);
  });

  it('cloverleaf (2024.5): OSRT calls with callchains, CPU sampling noted', async () => {
    const m = await open('hpcgroup+pipit__perlmutter-cloverleaf-cuda.sqlite');
    expect([m.kernels.length, m.runtime.length, m.memcpy.length, m.osrt.length]).toEqual([1312, 3048, 279, 1831]);
    expect(sum(m.kernels.start, m.kernels.end, m.kernels.length)).toBe(294404540);
    // 608 calls carry a callchain; callchainId 0 means none
    expect([...m.osrt.callchainId].filter((c) => c >= 0).length).toBe(608);
    const fopen = [...m.osrt.callchainId].indexOf(OSRT_CALLCHAIN_BASE + 1);
    expect(m.strings[m.osrt.nameId[fopen]!]).toBe('fopen');
    expect(m.callchains.get(OSRT_CALLCHAIN_BASE + 1)![0]).toEqual({ symbol: '_IO_fopen@@GLIBC_2', module: '/lib64/libc-2.31.so' });
    expect(m.meta.capabilities.cpuSampling).toBe(true);
    // copyKind 1 ×254 (225065752 bytes), 2 ×25
    let h2d = 0;
    for (let i = 0; i < m.memcpy.length; i++) if (m.memcpy.copyKind[i] === CopyKind.HtoD) h2d += m.memcpy.bytes[i]!;
    expect(h2d).toBe(225065752);
  });

  it('saxpy (2022.2): CUDA callchains numbered from 0 in RUNTIME, from 1 in CUDA_CALLCHAINS', async () => {
    const m = await open('hpcgroup+pipit__saxpy-mpi-cuda_nsys_perlmutter0.sqlite');
    expect([m.kernels.length, m.runtime.length]).toEqual([5, 95]);
    expect([...m.runtime.callchainId].filter((c) => c >= 0).length).toBe(38);
    // the call with callchainId 0 (start 884995616) is cudaMalloc; its stack holds cudaMalloc then main
    const i = [...m.runtime.start].indexOf(884995616);
    expect(m.strings[m.runtime.nameId[i]!]).toBe('cudaMalloc');
    const frames = m.callchains.get(m.runtime.callchainId[i]!)!.map((f) => f.symbol);
    expect(frames).toContain('cudaMalloc');
    expect(frames.indexOf('main')).toBeGreaterThan(frames.indexOf('cudaMalloc'));
    expect(m.meta.processes.map((p) => p.pid)).toEqual([1230493]);
  });

  it('every export opens with no error', async () => {
    for (const f of ['CO18326+uvmTorch__report1.sqlite', 'NVIDIA+Fuser__report1_64ee035.sqlite', 'p4arth+cuda-perf-sandbox__report1.sqlite']) {
      const m = await open(f);
      expect(m.meta.format).toBe('nsys-sqlite');
      expect(m.meta.endNs).toBeGreaterThan(m.meta.startNs);
    }
  });
});
