// How the loop instruments workload runs: the timing shim (sitecustomize on PYTHONPATH) writes per-step
// timestamps and the first losses; stdout regexes are the fallback. A CPU-only workload is timed on the
// process CPU clock, which a busy machine disturbs far less than wall time; a GPU workload on the wall clock.
import { basicInstrumentation, type Instrumentation } from '../sandbox/instrument.js';
import { parseIterTimes, readLosses, readTimings, shimEnv } from '../sandbox/shim.js';

export type StepClock = 'wall' | 'cpu';

export function shimInstrumentation(clock: StepClock): Instrumentation {
  const fallback = basicInstrumentation();
  return {
    env: (f) => ({
      ...shimEnv({ timingFile: f.timingFile, lossFile: f.lossFile, lossSteps: f.lossSteps, seed: f.seed, ...(f.maxSteps !== undefined ? { maxSteps: f.maxSteps } : {}) }),
      PYTHONHASHSEED: String(f.seed),
    }),
    stepMsFromFile: (file) => readTimings(file, clock),
    lossesFromFile: readLosses,
    stepMsFromStdout: (s) => parseIterTimes(s),
    lossesFromStdout: (s) => fallback.lossesFromStdout(s),
  };
}
