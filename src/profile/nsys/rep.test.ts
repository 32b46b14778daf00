// `.nsys-rep` through a stand-in `nsys` (test/fixtures/nsys-standin/nsys.cjs): export, read, cache, the
// message when nsys is absent, a failing export, cancellation.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError, UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { buildNsysDatabase, presetScenario } from '../generator/index.js';
import { openProfile } from '../open.js';
import type { OpenOptions } from '../open.js';
import { findNsys } from './rep.js';

const STANDIN = resolve(__dirname, '../../../test/fixtures/nsys-standin/nsys.cjs');
let dir = '';
let bin = '';
let savedPath: string | undefined;
let savedNsys: string | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-rep-test-'));
  bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'nsys'), `#!${process.execPath}\nrequire(${JSON.stringify(STANDIN)});\n`);
  chmodSync(join(bin, 'nsys'), 0o755);
  savedPath = process.env.PATH;
  savedNsys = process.env.SYSIGHT_NSYS;
  delete process.env.SYSIGHT_NSYS;
});
afterEach(() => {
  process.env.PATH = savedPath;
  if (savedNsys === undefined) delete process.env.SYSIGHT_NSYS;
  else process.env.SYSIGHT_NSYS = savedNsys;
  rmSync(dir, { recursive: true, force: true });
});

function report(name: string, body: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : Buffer.concat([Buffer.from('STAND-IN NSYS REPORT\n'), body]));
  return p;
}

const sameTables = (a: ProfileModel, b: ProfileModel) => {
  for (const t of ['kernels', 'runtime', 'memcpy', 'sync', 'nvtx', 'osrt'] as const) {
    expect(a[t].length, t).toBe(b[t].length);
    expect(Array.from(a[t].start), t).toEqual(Array.from(b[t].start));
  }
  expect(a.strings).toEqual(b.strings);
};

describe('.nsys-rep', () => {
  it('exports through nsys on the PATH, reads the same model as the .sqlite, and cleans up its export', async () => {
    const db = buildNsysDatabase(presetScenario('sync-bound', 4));
    const rep = report('run.nsys-rep', db);
    writeFileSync(join(dir, 'run.sqlite'), db);
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    const progress: string[] = [];
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('sysight-nsys-rep-')).length;
    const model = await openProfile(rep, { cache: false, onProgress: (_f, m) => progress.push(m) });
    sameTables(model, await openProfile(join(dir, 'run.sqlite'), { cache: false }));
    expect(model.meta.source).toBe(rep);
    expect(model.meta.notes.at(-1)).toMatch(/exported from run\.nsys-rep with .*nsys/);
    expect(progress).toContain('exporting run.nsys-rep with nsys (100%)');
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('sysight-nsys-rep-')).length).toBe(before);
  });

  it('caches the report: a later open needs no nsys', async () => {
    const rep = report('cached.nsys-rep', buildNsysDatabase(presetScenario('healthy', 3)));
    const opts: OpenOptions = { cache: { dir: join(dir, 'cache'), maxBytes: 1024 ** 3 } };
    process.env.SYSIGHT_NSYS = join(bin, 'nsys');
    const first = await openProfile(rep, opts);
    process.env.SYSIGHT_NSYS = join(dir, 'no-such-nsys');
    let outcome = '';
    const second = await openProfile(rep, { ...opts, onCacheOutcome: (o) => { outcome = o; } });
    expect(outcome).toBe('hit');
    sameTables(second, first);
  });

  it('without nsys: one line naming the command to run and the setting', async () => {
    const rep = report('big.nsys-rep', 'anything');
    process.env.PATH = join(dir, 'empty');
    expect(findNsys()).toBeUndefined();
    const e = await openProfile(rep, { cache: false }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    const msg = (e as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg).toContain(`nsys export --type sqlite --output big.sqlite ${rep}`);
    expect(msg).toContain('sysight.nsysPath');
  });

  it('a failing export is one line with nsys\'s own reason', async () => {
    const rep = report('bad.nsys-rep', 'FAIL');
    process.env.SYSIGHT_NSYS = join(bin, 'nsys');
    const e = await openProfile(rep, { cache: false }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toMatch(/^nsys export failed on .*bad\.nsys-rep \(exit 1\): Error: failed to open the report file/);
  });

  it('cancelling stops nsys and rejects with CancelledError', async () => {
    const rep = report('slow.nsys-rep', 'SLOW');
    process.env.SYSIGHT_NSYS = join(bin, 'nsys');
    const ac = new AbortController();
    const opened = openProfile(rep, { cache: false, signal: ac.signal, onProgress: (_f, m) => { if (m.includes('20%')) ac.abort(); } });
    await expect(opened).rejects.toBeInstanceOf(CancelledError);
    expect(existsSync(rep)).toBe(true);
  });
});
