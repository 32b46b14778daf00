// The descriptive tables of an export: export/capture metadata, processes, threads, GPUs, contexts, streams.
import { type NsysDb, globalPid, globalTid } from './nsys-db.js';
import type { Scenario } from './scenario.js';
import type { Proc } from './simulate.js';

export const NSYS_VERSION = '2026.1.1.204';
export const SCHEMA_VERSION = '3.24.14';
const VM_GLOBAL = 2 ** 48;
const EPOCH_NS = 1767225600000000000n; // 2026-01-01T00:00:00Z

export function writeMetadata(db: NsysDb, sc: Scenario, procs: Proc[], startNs: number, endNs: number): void {
  const name = sc.name ?? 'scenario';
  const exp: [string, string][] = [
    ['EXPORT_PRODUCT_NAME', 'NVIDIA Nsight Systems'],
    ['EXPORT_PRODUCT_VERSION', NSYS_VERSION],
    ['EXPORT_PRODUCT_DATE', '2026.1'],
    ['EXPORT_SCHEMA_VERSION', SCHEMA_VERSION],
    ['EXPORT_SCHEMA_VERSION_MAJOR', '3'],
    ['EXPORT_SCHEMA_VERSION_MINOR', '24'],
    ['EXPORT_SCHEMA_VERSION_MICRO', '14'],
    ['EXPORT_PLATFORM', 'linux-desktop'],
    ['EXPORT_ARCH', 'x64'],
    ['EXPORT_TIME_UTC', '2026-01-01T00:00:00'],
    ['EXPORT_PARAM_EXPORT_TYPE', 'SQLite'],
    ['EXPORT_PARAM_INPUT_FILE', `${name}.nsys-rep`],
    ['EXPORT_PARAM_OUTPUT_FILE', `${name}.sqlite`],
    ['EXPORT_PARAM_TIME_NORMALIZE', 'false'],
    ['EXPORT_PARAM_TIME_SHIFT', '0'],
    // not in real exports: marks the file as synthetic, with the scenario it came from
    ['SYSIGHT_GENERATOR', `sysight generate (scenario "${name}", seed ${sc.seed ?? 1})`],
  ];
  for (const [n, v] of exp) db.insert('META_DATA_EXPORT', { name: n, value: v });
  const cap: [string, string][] = [
    ['DEVICE_ID', 'Local (CLI)'],
    ['CAPTURE_EVENT_TYPE', 'Cuda'],
    ['START_TRIGGER', 'Immediate'],
    ['STOP_TRIGGER', 'Delayed'],
    ['DEVICE_TYPE', 'Unix'],
    ['CUDA_TRACE_SCOPE', 'ProcessTree'],
    ['PROCESS_0:HOW_TO_ATTACH', 'LaunchAnother'],
    ['PROCESS_0:COMMAND', 'python'],
    ['PROCESS_0:ARGUMENT_0', 'train.py'],
    ['PROCESS_0:WORKING_DIR', '/workspace'],
    ['PROCESS_0:COLLECT_NVTX_TRACE', 'true'],
    ['PROCESS_0:COLLECT_CUDA_TRACE', 'true'],
    // the environment of the launched process: only a one-rank export can say which rank it is
    ...(procs.length === 1 ? Object.entries(procs[0]!.env).map(([k, v]): [string, string] => ['PROCESS_0:ENVIRONMENT_VARIABLE', `${k}=${v}`]) : []),
    ['SHOW_BACKTRACE', sc.backtraceThresholdUs === false ? 'false' : 'true'],
    ['RUN_DURATION_MS', String(Math.round((endNs - startNs) / 1e6))],
    ['HAS_ANNOTATIONS', 'true'],
  ];
  for (const [n, v] of cap) db.insert('META_DATA_CAPTURE', { name: n, value: v });

  db.insert('ANALYSIS_DETAILS', { globalVid: VM_GLOBAL, duration: endNs, startTime: 0, stopTime: endNs });
  db.insert('TARGET_INFO_SESSION_START_TIME', {
    utcEpochNs: EPOCH_NS, utcTime: '2026-01-01T00:00:00', localTime: '2026-01-01T00:00:00',
    systemClockNs: 1_000_000_000,
  });

  const devices = sc.devices ?? [{}];
  devices.forEach((d, i) => {
    const [major, minor] = d.computeCapability ?? [9, 0];
    db.insert('TARGET_INFO_GPU', {
      vmId: VM_GLOBAL, id: i, name: d.name ?? 'NVIDIA H100 80GB HBM3', busLocation: `0000:${(0x18 + i).toString(16)}:00.0`,
      isDiscrete: 1, l2CacheSize: 52428800, totalMemory: Math.round((d.memoryGB ?? 80) * 2 ** 30),
      memoryBandwidth: 3352320000000, clockRate: 1980000000, smCount: d.sms ?? 132, pwGpuId: i,
      uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, luid: 0, chipName: major >= 9 ? 'GH100' : 'GA100',
      cuDevice: i, ctxswDevPath: '', ctrlDevPath: '', revision: 161, nodeMask: 0, constantMemory: 65536, maxIPC: 0,
      maxRegistersPerBlock: 65536, maxShmemPerBlock: 49152, maxShmemPerBlockOptin: 232448, maxShmemPerSm: 233472,
      maxRegistersPerSm: 65536, threadsPerWarp: 32, asyncEngines: 3, maxWarpsPerSm: 64, maxBlocksPerSm: 32,
      maxThreadsPerBlock: 1024, maxBlockDimX: 1024, maxBlockDimY: 1024, maxBlockDimZ: 64, maxGridDimX: 2147483647,
      maxGridDimY: 65535, maxGridDimZ: 65535, computeMajor: major, computeMinor: minor, smMajor: major, smMinor: minor,
    });
  });

  db.insert('PROCESSES', { globalPid: globalPid(procs[0]!.pid - 1), pid: procs[0]!.pid - 1, name: 'nsys' });
  for (const p of procs) {
    db.insert('PROCESSES', { globalPid: p.gpid, pid: p.pid, name: p.name });
    const dev = devices[p.device] ?? {};
    db.insert('TARGET_INFO_CUDA_DEVICE', {
      gpuId: p.device, cudaId: p.device, pid: p.pid, uuid: `00000000-0000-4000-8000-${String(p.device).padStart(12, '0')}`,
      numMultiprocessors: dev.sms ?? 132,
    });
    db.insert('TARGET_INFO_CUDA_CONTEXT_INFO', {
      nullStreamId: p.computeStream, hwId: 0, vmId: 1, processId: p.pid, deviceId: p.device, contextId: 1,
      parentContextId: 0, isGreenContext: 0, numMultiprocessors: 0,
    });
    const ids = new Set([p.computeStream, ...p.streams.keys()]);
    for (const s of [...ids].sort((a, b) => a - b)) {
      db.insert('TARGET_INFO_CUDA_STREAM', {
        streamId: s, hwId: 0, vmId: 1, processId: p.pid, contextId: 1, priority: 0, flag: s === p.computeStream ? 3 : 2,
      });
    }
  }
  for (const p of procs) {
    const names = [p.name, ...p.threads, 'cuda-EvtHandlr'];
    names.forEach((n, i) => db.insert('ThreadNames', { nameId: db.str(n), priority: 20, globalTid: globalTid(p.pid, p.pid + i) }));
  }
}
