// The streaming reader (file → tokenizer → builder) gives the same model, column by column, as the
// in-memory path (JSON.parse of the whole text → traceToModel): on every real trace in ../shared/traces
// (skipped when absent), on generated traces of any shape (plain and gzip), and on hand-made edge cases.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { CATEGORY } from './build.js';
import { readTraceFile, traceToModel } from './reader.js';
import { modelDigest, TempFiles } from './testing.js';

const ROOT = resolve(__dirname, '../../..');
const TRACES = [resolve(ROOT, '../shared/traces'), resolve(ROOT, '../../shared/traces')].find((d) => existsDir(d));
const tmp = new TempFiles();
afterAll(() => tmp.cleanup());

function existsDir(d: string): boolean {
  try {
    return statSync(d).isDirectory();
  } catch {
    return false;
  }
}

function traceFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? traceFiles(p) : /\.json(\.gz)?$/.test(n) ? [p] : [];
  });
}

function inMemory(path: string): unknown {
  const bytes = readFileSync(path);
  return JSON.parse((path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
}

/** Both readers' outcome: the model's digest, or the UserError (the streaming one names a byte offset). */
async function outcomes(path: string, value: unknown): Promise<[Record<string, string> | 'UserError', Record<string, string> | 'UserError']> {
  const settle = async (f: () => Promise<Record<string, string>>): Promise<Record<string, string> | 'UserError'> => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof UserError) return 'UserError';
      throw e;
    }
  };
  return [
    await settle(async () => modelDigest(await readTraceFile(path))),
    await settle(async () => modelDigest(traceToModel(value, path))),
  ];
}

describe.skipIf(TRACES === undefined)('streaming reader = in-memory reader on ../shared/traces', () => {
  for (const file of TRACES === undefined ? [] : traceFiles(TRACES)) {
    it(file.slice(TRACES!.length + 1), async () => {
      const [streamed, parsed] = await outcomes(file, inMemory(file));
      expect(streamed).not.toBe('UserError');
      expect(streamed).toEqual(parsed);
    });
  }
});

describe('streaming reader = in-memory reader on generated traces', () => {
  const cat = fc.constantFrom(...Object.keys(CATEGORY), 'ac2g', 'Trace');
  const event = fc.record({
    ph: fc.constantFrom('X', 'X', 'X', 'M', 's', 'f', 'i'),
    cat,
    name: fc.constantFrom('aten::mm', 'cudaLaunchKernel', 'cudaStreamSynchronize', 'void k<1>(int)', 'Memcpy HtoD (Pageable -> Device)', 'a.py(3): f', 'ProfilerStep#1', 'process_name', 'thread_name', 'n\u00e9\\"}{'),
    pid: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('CPU functions', 'CUDA functions', 'stream 7')),
    tid: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('stream 7 7', 'main')),
    ts: fc.oneof(fc.double({ min: 1.6e15, max: 1.6e15 + 1e6, noNaN: true }), fc.integer({ min: 0, max: 1e6 })),
    dur: fc.oneof(fc.double({ min: 0, max: 1e4, noNaN: true }), fc.constant(-1)),
    args: fc.record({
      correlation: fc.integer({ min: 0, max: 8 }), 'External id': fc.integer({ min: 0, max: 8 }), device: fc.integer({ min: 0, max: 1 }),
      stream: fc.integer({ min: 0, max: 9 }), grid: fc.constant([2, 1, 1]), bytes: fc.nat(), name: fc.constantFrom('python', 'GPU 0'),
      labels: fc.constantFrom('CPU', 'GPU 0'), 'Call stack': fc.constantFrom('a.py(3): f;b.py(9): <module>', ''),
    }, { requiredKeys: [] }),
  }, { requiredKeys: ['ph'] });
  const trace = fc.oneof(
    fc.record({
      schemaVersion: fc.constant(1), traceEvents: fc.array(event, { maxLength: 25 }), displayTimeUnit: fc.constantFrom('ms', 'ns'),
      distributedInfo: fc.record({ rank: fc.nat(3), world_size: fc.constant(4) }), deviceProperties: fc.constant([{ id: 0, name: 'H100', computeMajor: 9 }]),
    }, { requiredKeys: ['traceEvents'] }),
    fc.array(event, { maxLength: 25 }),
  );

  it('plain and gzip files of any split give the same model or both refuse', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(trace, fc.boolean(), fc.boolean(), async (value, gzip, pretty) => {
      const text = pretty ? JSON.stringify(value, null, 1) : JSON.stringify(value);
      const path = tmp.write(`gen-${n++}.json${gzip ? '.gz' : ''}`, text, gzip);
      const [streamed, parsed] = await outcomes(path, value);
      expect(streamed).toEqual(parsed);
    }), { numRuns: 200, seed: 20261206 });
  });

  it('a trace bigger than the read size (events cut across chunks, the fast path and the slow path)', async () => {
    const events: unknown[] = [{ ph: 'M', name: 'process_labels', pid: 1, tid: 0, args: { labels: 'CPU' } }];
    for (let i = 0; i < 12_000; i++) {
      const ts = 1.7e15 + i * 10.125;
      events.push({ ph: 'X', cat: 'cuda_runtime', name: 'cudaLaunchKernel', pid: 1, tid: 2, ts, dur: 3.5, args: { correlation: i, 'External id': i } });
      events.push({ ph: 'X', cat: 'kernel', name: `void k${i % 7}<2>(float*, "}, {")`, pid: 0, tid: 7, ts: ts + 5, dur: 2.25, args: { correlation: i, device: 0, stream: 7, grid: [i % 5, 1, 1], block: [128, 1, 1] } });
      if (i % 100 === 0) events.push({ ph: 'X', cat: 'user_annotation', name: `ProfilerStep#${i / 100}`, pid: 1, tid: 2, ts, dur: 1000 });
    }
    const value = { schemaVersion: 1, traceEvents: events, traceName: 'x' };
    for (const gzip of [false, true]) {
      const path = tmp.write(`big.json${gzip ? '.gz' : ''}`, JSON.stringify(value, null, 1), gzip);
      const [streamed, parsed] = await outcomes(path, value);
      expect(streamed).not.toBe('UserError');
      expect(streamed).toEqual(parsed);
    }
  });
});
