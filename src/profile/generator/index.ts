// Synthetic Nsight Systems exports from a scenario: the same tables, columns, types, string table and enums as
// a real `nsys export --type sqlite` (nsys 2026.1 layout), written by a streaming SQLite writer so that a 1 GB
// profile needs neither sql.js nor the whole file in memory.
import { renameSync, rmSync } from 'node:fs';
import { writeMetadata } from './metadata.js';
import { NsysDb } from './nsys-db.js';
import { validateScenario, type Scenario } from './scenario.js';
import { FilePageSink, MemoryPageSink, type PageSink } from './sqlite-format.js';
import { Simulator } from './simulate.js';

export type { Scenario, StepEvent, FrameSpec } from './scenario.js';
export { loadScenarioFile, validateScenario, parseFrame } from './scenario.js';
export { PRESETS, presetScenario, PRESET_NAMES } from './presets.js';
export { globalTid, globalPid } from './nsys-db.js';
export { shortKernelName } from './simulate.js';
export { NSYS_TABLES } from './nsys-schema.js';
export { captureTrace, compiledRangeText } from './graphs.js';

export interface GenerateOptions {
  signal?: AbortSignal | undefined;
}

export interface GenerateStats {
  rows: number;
  durationNs: number;
  processes: number;
}

function generate(scenario: Scenario, sink: PageSink, opts: GenerateOptions): GenerateStats {
  const sc = validateScenario(scenario);
  const db = new NsysDb(sink);
  const sim = new Simulator(db, sc);
  sim.run(opts.signal);
  writeMetadata(db, sc, sim.procs, 0, sim.endNs);
  db.finish();
  return { rows: db.rows, durationNs: sim.endNs, processes: sim.procs.length };
}

/** Writes the profile of `scenario` to `outPath` (a temporary file renamed into place when complete). */
export function writeNsysProfile(scenario: Scenario, outPath: string, opts: GenerateOptions = {}): GenerateStats {
  const tmp = `${outPath}.tmp-${process.pid}`;
  try {
    const stats = generate(scenario, new FilePageSink(tmp), opts);
    renameSync(tmp, outPath);
    return stats;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** The profile of `scenario` as the bytes of a SQLite database. */
export function buildNsysDatabase(scenario: Scenario, opts: GenerateOptions = {}): Uint8Array {
  const sink = new MemoryPageSink();
  generate(scenario, sink, opts);
  return sink.bytes();
}
export { writeRankProfiles, rankScenario, DATALOADER_LABEL } from './ranks.js';
export type { RankRunOptions, RankRunStats } from './ranks.js';
