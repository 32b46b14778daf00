// Property: whatever bytes an nsys-like SQLite file is corrupted or truncated into, openProfile either returns
// a model or rejects with a UserError (one line) — never another error, never a crash of the process.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { openProfile } from '../open.js';
import { buildNsysFixture } from './fixture.js';

// SYSIGHT_FUZZ_RUNS=5000 SYSIGHT_FUZZ_SEED=… for a longer hunt; the default run is fixed and quick
const RUNS = Number(process.env['SYSIGHT_FUZZ_RUNS'] ?? 150);
const SEED = process.env['SYSIGHT_FUZZ_SEED'] ? Number(process.env['SYSIGHT_FUZZ_SEED']) : undefined;

// a real export when ../shared is present (the synthetic fixture above is the test that always runs)
const REAL = [join(process.cwd(), '..', 'shared'), join(process.cwd(), '..', '..', 'shared')]
  .map((d) => join(d, 'profiles', 'GindaChen+nsys-ai__mock.sqlite'))
  .find((p) => existsSync(p)) ?? '';

let dir: string;
let base: Uint8Array;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-fuzz-'));
  base = await buildNsysFixture({ enums: true, extraKernels: 200 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'zero'; at: number; len: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('zero' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 512 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function apply(bytes: Uint8Array, muts: Mutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const m of muts) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'flip') out[at] = m.value;
    else if (m.kind === 'zero') out.fill(0, at, at + m.len);
    else out = out.slice(0, at);
  }
  return out;
}

/** Mutations aimed at the parts that matter most: the 100-byte header and the first (schema) page. */
const headerBiased = fc.array(
  fc.record({ kind: fc.constant('flip' as const), at: fc.integer({ min: 0, max: 4095 }), value: fc.integer({ min: 0, max: 255 }) }),
  { minLength: 1, maxLength: 4 },
);

async function outcome(bytes: Uint8Array, n: number): Promise<'ok' | 'user-error'> {
  const p = join(dir, `f${n}.sqlite`);
  writeFileSync(p, bytes);
  try {
    const m = await openProfile(p);
    expect(m.meta.format).toBe('nsys-sqlite');
    return 'ok';
  } catch (e) {
    if (!(e instanceof UserError)) throw new Error(`not a UserError: ${e instanceof Error ? e.stack : String(e)}`);
    expect(e.message.split('\n')).toHaveLength(1);
    return 'user-error';
  } finally {
    rmSync(p, { force: true });
  }
}

describe('nsys reader fuzzing', () => {
  it('corrupted or truncated bytes anywhere: a model or a UserError', async () => {
    let n = 0;
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (muts) => {
        seen.add(await outcome(apply(base, muts), n++));
      }),
      { numRuns: RUNS, seed: SEED ?? 20261125 },
    );
    // both outcomes happen: the property is not vacuous
    expect(seen).toEqual(new Set(['ok', 'user-error']));
  });

  it('corrupted header and schema page: a model or a UserError', async () => {
    let n = 1000;
    await fc.assert(
      fc.asyncProperty(headerBiased, async (muts) => {
        await outcome(apply(base, muts), n++);
      }),
      { numRuns: RUNS, seed: SEED ?? 7 },
    );
  });

  it.skipIf(!existsSync(REAL))('a real 45-table export (nsys 2026.1), corrupted: a model or a UserError', async () => {
    const real = new Uint8Array(readFileSync(REAL));
    let n = 2000;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (muts) => {
        await outcome(apply(real, muts), n++);
      }),
      { numRuns: Math.ceil(RUNS / 3), seed: SEED ?? 45 },
    );
  });

  it('the untouched fixture still opens after all that (the engine was not left broken)', async () => {
    expect(await outcome(base, 99999)).toBe('ok');
  });
});
