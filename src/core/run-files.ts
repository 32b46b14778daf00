// Reading the run directory's files (.sysight/runs/<id>/: run.json, findings*.json, patches/*.json) with their
// shape checked: the one reader behind RunDir (pipeline, CLI) and the extension's run model. A file that is
// missing, not JSON or not the contract is one UserError line naming it.
import { readFileSync } from 'node:fs';
import { UserError } from './errors.js';
import { CATEGORY_NAMES, type LocalizedFindingSet } from './findings.js';
import type { PatchPlan, RunRecord } from './run.js';

/** The parsed JSON of `path`; a UserError when it cannot be read or parsed. */
export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`cannot read ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}

export const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function checkRunRecord(x: unknown, where: string): RunRecord {
  if (!isObj(x)) throw new UserError(`${where}: not a run record (expected an object)`);
  if (x.schemaVersion !== 1) throw new UserError(`${where}: unsupported run schemaVersion ${String(x.schemaVersion)} (expected 1)`);
  if (typeof x.id !== 'string' || !Array.isArray(x.rounds)) throw new UserError(`${where}: run record without id or rounds`);
  for (const r of x.rounds as unknown[]) {
    if (!isObj(r) || typeof r.index !== 'number' || !Array.isArray(r.trials)) throw new UserError(`${where}: a round without index or trials`);
  }
  return x as unknown as RunRecord;
}

const CATS = new Set(Object.keys(CATEGORY_NAMES));

export function checkFindingSet(x: unknown, where: string): LocalizedFindingSet {
  if (!isObj(x)) throw new UserError(`${where}: not a finding set (expected an object)`);
  if (x.schemaVersion !== 1) throw new UserError(`${where}: unsupported findings schemaVersion ${String(x.schemaVersion)} (expected 1)`);
  if (!Array.isArray(x.findings)) throw new UserError(`${where}: no findings array`);
  x.findings.forEach((f: unknown, i: number) => {
    if (!isObj(f) || typeof f.id !== 'string' || !CATS.has(f.category as string) || typeof f.file !== 'string' ||
      typeof f.line !== 'number' || f.line < 1 || !isObj(f.impact)) {
      throw new UserError(`${where}: finding ${i} lacks id, category C1–C7, file, line ≥ 1 or impact`);
    }
  });
  return x as unknown as LocalizedFindingSet;
}

export function checkPatchPlan(x: unknown, where: string): PatchPlan {
  if (!isObj(x) || typeof x.id !== 'string' || typeof x.file !== 'string' || typeof x.diff !== 'string') {
    throw new UserError(`${where}: not a patch plan (needs id, file and diff)`);
  }
  return x as unknown as PatchPlan;
}
