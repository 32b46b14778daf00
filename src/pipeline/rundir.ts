// The run directory: .sysight/runs/<run-id>/ inside the target repo (DESIGN.md "Data contracts").
// run.json (RunRecord), findings.json (per round), patches/<id>.diff, measurements.json, report.*. Reads go
// through core/run-files.ts, which checks each file's shape.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { LocalizedFindingSet } from '../core/findings.js';
import { checkFindingSet, checkPatchPlan, checkRunRecord, readJson } from '../core/run-files.js';
import { SYSIGHT_DIR, type PatchPlan, type RunRecord } from '../core/run.js';
import { writeAtomic } from '../core/write-atomic.js';

export { writeAtomic };

export { SYSIGHT_DIR };

export function runsRoot(repo: string): string {
  return join(repo, SYSIGHT_DIR, 'runs');
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}


export class RunDir {
  readonly path: string;
  constructor(readonly repo: string, readonly id: string) {
    this.path = join(runsRoot(repo), id);
  }

  static create(repo: string, record: Omit<RunRecord, 'id' | 'schemaVersion' | 'createdAt'>): RunDir {
    const dir = new RunDir(repo, newRunId());
    mkdirSync(join(dir.path, 'patches'), { recursive: true });
    dir.writeRecord({ schemaVersion: 1, id: dir.id, createdAt: new Date().toISOString(), ...record });
    return dir;
  }

  /** Opens an existing run; a clear error when it does not exist. */
  static open(repo: string, id: string): RunDir {
    const dir = new RunDir(repo, id);
    if (!existsSync(join(dir.path, 'run.json'))) {
      const known = listRuns(repo);
      throw new UserError(
        `no run ${id} in ${runsRoot(repo)}${known.length ? ` (known: ${known.slice(-5).join(', ')})` : ''}`,
      );
    }
    return dir;
  }

  file(name: string): string {
    return join(this.path, name);
  }

  writeText(name: string, text: string): string {
    const path = this.file(name);
    writeAtomic(path, text);
    return path;
  }

  readRecord(): RunRecord {
    const path = this.file('run.json');
    return checkRunRecord(readJson(path), path);
  }

  writeRecord(r: RunRecord): void {
    writeAtomic(this.file('run.json'), JSON.stringify(r, null, 2) + '\n');
  }

  updateRecord(fn: (r: RunRecord) => void): RunRecord {
    const r = this.readRecord();
    fn(r);
    this.writeRecord(r);
    return r;
  }

  /** findings.json holds the latest round; findings-round<N>.json keeps every round. */
  writeFindings(round: number, set: LocalizedFindingSet): void {
    const text = JSON.stringify(set, null, 2) + '\n';
    writeAtomic(this.file(`findings-round${round}.json`), text);
    writeAtomic(this.file('findings.json'), text);
  }

  readFindings(round?: number): LocalizedFindingSet {
    const path = this.file(round === undefined ? 'findings.json' : `findings-round${round}.json`);
    return checkFindingSet(readJson(path), path);
  }

  writePatch(p: PatchPlan): string {
    mkdirSync(join(this.path, 'patches'), { recursive: true });
    const path = join(this.path, 'patches', `${p.id}.diff`);
    writeAtomic(path, p.diff);
    writeAtomic(join(this.path, 'patches', `${p.id}.json`), JSON.stringify(p, null, 2) + '\n');
    return path;
  }

  readPatches(): PatchPlan[] {
    const dir = join(this.path, 'patches');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => checkPatchPlan(readJson(join(dir, f)), join(dir, f)));
  }
}

export function listRuns(repo: string): string[] {
  const root = runsRoot(repo);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'run.json')))
    .sort();
}
