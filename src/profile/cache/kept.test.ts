// Kept answers beside the model in a profile's cache entry: the binary form (the trace view's tile index, diff's
// per-side metrics) hits, misses for a changed file, and a damaged one is dropped with one note.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildNsysDatabase, presetScenario } from '../generator/index.js';
import { openProfile } from '../open.js';
import type { CacheSettings } from './index.js';
import { decodeKeptBinary, encodeKeptBinary, readCachedBinary, writeCachedBinary } from './results.js';

let dir: string;
let settings: CacheSettings;
let profile: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-kept-test-'));
  settings = { dir: join(dir, 'cache'), maxBytes: 1024 ** 3 };
  profile = join(dir, 'p.sqlite');
  writeFileSync(profile, buildNsysDatabase(presetScenario('sync-bound', 6)));
  await openProfile(profile, { cache: settings, onNote: () => undefined }); // writes the entry kept answers live in
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const value = () => ({ header: { lanes: ['a', 'b'], n: 3 }, arrays: [Float64Array.of(1.5, -2, 3e12), Int32Array.of(7, -1), Uint8Array.of(1, 2, 3)] });
const keptFiles = () => readdirSync(join(settings.dir, readdirSync(settings.dir)[0]!)).filter((f) => f.startsWith('result-'));

describe('binary kept answers', () => {
  it('round-trip: the header and every typed array come back with their types and values', () => {
    const back = decodeKeptBinary(encodeKeptBinary(value()));
    expect(back.header).toEqual(value().header);
    expect(back.arrays).toEqual(value().arrays);
    expect(back.arrays.map((a) => a.constructor.name)).toEqual(['Float64Array', 'Int32Array', 'Uint8Array']);
  });

  it('hit: written once, read back by a later run; other parameters miss', () => {
    const notes: string[] = [];
    expect(readCachedBinary(profile, 'thing', { v: 1 }, { cache: settings, onNote: (l) => notes.push(l) })).toBeUndefined();
    expect(writeCachedBinary(profile, 'thing', { v: 1 }, value(), { cache: settings })).toBe(true);
    expect(readCachedBinary(profile, 'thing', { v: 1 }, { cache: settings })?.arrays).toEqual(value().arrays);
    expect(readCachedBinary(profile, 'thing', { v: 2 }, { cache: settings })).toBeUndefined();
    expect(readCachedBinary(profile, 'thing', { v: 1 }, { cache: false })).toBeUndefined();
    expect(notes).toEqual([]);
  });

  it('stale: a changed file never sees the answer kept for its old bytes', async () => {
    writeCachedBinary(profile, 'thing', { v: 1 }, value(), { cache: settings });
    appendFileSync(profile, Buffer.alloc(4096));
    expect(readCachedBinary(profile, 'thing', { v: 1 }, { cache: settings })).toBeUndefined();
    // reopened: the old entry (and its kept answers) is dropped, a fresh one holds none
    await openProfile(profile, { cache: settings, onNote: () => undefined });
    expect(keptFiles()).toEqual([]);
    expect(readCachedBinary(profile, 'thing', { v: 1 }, { cache: settings })).toBeUndefined();
  });

  it('damaged: a flipped byte, a truncation or a form the reader rejects is dropped with one note, then computed again', () => {
    for (const damage of ['flip', 'truncate', 'reject'] as const) {
      writeCachedBinary(profile, 'thing', { v: 1 }, value(), { cache: settings });
      const [name] = keptFiles();
      const file = join(settings.dir, readdirSync(settings.dir)[0]!, name!);
      const bytes = readFileSync(file);
      if (damage === 'flip') bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
      writeFileSync(file, damage === 'truncate' ? bytes.subarray(0, bytes.length - 5) : bytes);
      const notes: string[] = [];
      const parse = damage === 'reject' ? () => { throw new Error('not a thing of this version'); } : undefined;
      expect(readCachedBinary(profile, 'thing', { v: 1 }, { cache: settings, onNote: (l) => notes.push(l) }, parse)).toBeUndefined();
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(/cached thing of .* is damaged \((checksum does not match|not a thing of this version)\); computing it again/);
      expect(keptFiles()).toEqual([]);
    }
  });
});
