// The timing shim as the measurement's Instrumentation (see instrument.ts): the shim on PYTHONPATH, its
// files read back with readTimings/readLosses, stdout read with parseIterTimes' loggers.
import { basicInstrumentation, type Instrumentation } from './instrument.js';
import { parseIterTimes, readLosses, readTimings, shimDir, shimEnv, type ShimOptions } from './shim.js';

export interface ShimInstrumentationOptions {
  /** 'cpu': per-step process CPU time instead of wall time (steadier on a busy machine; CPU-bound workloads only). */
  clock?: 'wall' | 'cpu';
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
      };
      return { ...shimEnv(opts, o.base ?? process.env), PYTHONHASHSEED: String(files.seed) };
    },
    stepMsFromFile: (f) => readTimings(f, o.clock ?? 'wall'),
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
