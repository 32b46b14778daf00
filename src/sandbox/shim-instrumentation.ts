// The timing shim as the measurement's Instrumentation (see instrument.ts): the shim on PYTHONPATH, its
// files read back with readTimings/readLosses, stdout read with parseIterTimes' loggers.
import { basicInstrumentation, type Instrumentation } from './instrument.js';
import { parseIterTimes, readCpuShare, readLosses, readTimings, shimDir, shimEnv, type ShimOptions } from './shim.js';

export interface ShimInstrumentationOptions {
  /**
   * 'cpu': per-step process CPU time instead of wall time (steadier on a busy machine; CPU-bound workloads
   * only). 'fair': wall time, with the process tree's CPU and the machine's idle time recorded per step so
   * that the measurement credits a side only with cores that were free (share.ts): for patches that add
   * processes (DataLoader workers), whose wall-clock gain on a busy machine is taken from other jobs.
   */
  clock?: 'wall' | 'cpu' | 'fair';
  /** stdout regex for iteration times (see parseIterTimes); default: the common loggers. */
  timeRegex?: RegExp | string;
  /** time this function per call instead of optimizer steps ("module:qualname"). */
  timingFunc?: string;
  /** torch.cuda.synchronize() before each timestamp. */
  syncCuda?: boolean;
  /** environment the run starts from (for PYTHONPATH); default process.env. */
  base?: NodeJS.ProcessEnv;
}

export function shimInstrumentation(o: ShimInstrumentationOptions = {}): Instrumentation {
  const basic = basicInstrumentation();
  shimDir(); // throws when sitecustomize.py cannot be found
  return {
    env(files) {
      const opts: ShimOptions = {
        timingFile: files.timingFile,
        lossFile: files.lossFile,
        lossSteps: files.lossSteps,
        seed: files.seed,
        maxSteps: files.maxSteps,
        ...(files.rssFile !== undefined ? { rssFile: files.rssFile } : {}),
        timingFunc: o.timingFunc,
        syncCuda: o.syncCuda,
        treeCpu: o.clock === 'fair',
      };
      return { ...shimEnv(opts, o.base ?? process.env), PYTHONHASHSEED: String(files.seed) };
    },
    stepMsFromFile: (f) => readTimings(f, o.clock === 'cpu' ? 'cpu' : 'wall'),
    sharesFromFile: (f) => (o.clock === 'fair' ? readCpuShare(f) : []),
    lossesFromFile: (f) => readLosses(f),
    stepMsFromStdout: (s) => {
      const t = parseIterTimes(s, o.timeRegex);
      return t.length > 0 || o.timeRegex ? t : basic.stepMsFromStdout(s);
    },
    lossesFromStdout: (s) => basic.lossesFromStdout(s),
    peakRssMbFromFile: (f) => basic.peakRssMbFromFile?.(f) ?? null,
  };
}

/** The shim when its sitecustomize.py is found (bundled or source), else the env-only instrumentation. */
export function defaultInstrumentation(): Instrumentation {
  try {
    return shimInstrumentation();
  } catch {
    return basicInstrumentation();
  }
}
