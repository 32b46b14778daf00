// Bad input gives one clear UserError line, never a crash; a property-based test corrupts and truncates
// real trace bytes and shows the readers only ever resolve or throw UserError.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, NotAProfileError, UserError } from '../../core/errors.js';
import { openProfile } from '../open.js';
import { CATEGORY } from './build.js';
import { loadText } from './load.js';
import { kinetoReader, legacyAutogradReader, readTraceFile, traceToModel } from './reader.js';
import { TempFiles } from './testing.js';

const FIXTURE = resolve(__dirname, '../../../test/fixtures/legacy_cpu_train.json');
const tmp = new TempFiles();
// Fixed so CI is reproducible; FUZZ_SEED=<n> explores other inputs.
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
afterAll(() => tmp.cleanup());

const KINETO_TEXT = JSON.stringify({
  schemaVersion: 1,
  distributedInfo: { rank: 0, world_size: 2 },
  traceEvents: [
    { ph: 'M', name: 'process_name', pid: 7, tid: 0, args: { name: 'python3' } },
    { ph: 'X', cat: 'user_annotation', name: 'ProfilerStep#1', pid: 7, tid: 7, ts: 100, dur: 90 },
    { ph: 'X', cat: 'cpu_op', name: 'aten::mm', pid: 7, tid: 7, ts: 101, dur: 20, args: { 'External id': 3 } },
    { ph: 'X', cat: 'cuda_runtime', name: 'cudaLaunchKernel', pid: 7, tid: 7, ts: 105, dur: 4, args: { correlation: 11 } },
    { ph: 'X', cat: 'kernel', name: 'void k<1>(int)', pid: 0, tid: 7, ts: 110, dur: 3, args: { device: 0, stream: 7, correlation: 11, grid: [1, 1, 1], block: [32, 1, 1] } },
    { ph: 'X', cat: 'gpu_memcpy', name: 'Memcpy DtoH (Device -> Pageable)', pid: 0, tid: 7, ts: 120, dur: 2, args: { device: 0, stream: 7, bytes: 4 } },
    { ph: 'X', cat: 'python_function', name: 'train.py(9): step', pid: 7, tid: 7, ts: 100, dur: 80 },
  ],
});

async function userError(p: Promise<unknown>, notProfile = false): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    // only a file that is no trace at all is "not a profile" (the editor offers the default editor for it)
    expect(e instanceof NotAProfileError).toBe(notProfile);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a UserError');
}

describe('bad input', () => {
  it('truncated JSON', async () => {
    const p = tmp.write('cut.json', KINETO_TEXT.slice(0, KINETO_TEXT.length - 40));
    expect(await userError(openProfile(p))).toMatch(/cut\.json is truncated JSON/);
  });

  it('JSON that is not a trace', async () => {
    expect(await userError(openProfile(tmp.write('config.json', { model: 'gpt2', lr: 3e-4 })), true))
      .toMatch(/config\.json is JSON but not a PyTorch profiler trace/);
    expect(await userError(openProfile(tmp.write('numbers.json', [1, 2, 3])), true))
      .toMatch(/numbers\.json is JSON but not a PyTorch profiler trace/);
    expect(await userError(openProfile(tmp.write('weird.json', { traceEvents: [1, 'a', null] })), true))
      .toMatch(/is JSON but not a PyTorch profiler trace/);
    // gzip files that are no trace: JSON that is not one, and text that is not JSON
    expect(await userError(openProfile(tmp.write('config.json.gz', { model: 'gpt2' }, true)), true))
      .toMatch(/config\.json\.gz is JSON but not a PyTorch profiler trace/);
    expect(await userError(openProfile(tmp.write('table.json.gz', 'name,value\nx,1\n', true)), true))
      .toMatch(/table\.json\.gz is not a profile Sysight can read/);
  });

  it('empty traceEvents, an empty list, and only metadata', async () => {
    expect(await userError(openProfile(tmp.write('empty.json', { schemaVersion: 1, traceEvents: [] })))).toMatch(/has no trace events/);
    expect(await userError(openProfile(tmp.write('empty-list.json', '[]')))).toMatch(/has no trace events/);
    expect(await userError(openProfile(tmp.write('meta-only.json', {
      traceEvents: [{ ph: 'M', name: 'process_name', pid: 1, tid: 0, args: { name: 'python' } }],
    })))).toMatch(/has no profiler events/);
  });

  it('bad and truncated gzip', async () => {
    const garbage = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('definitely not deflate data')]);
    expect(await userError(openProfile(tmp.write('bad.json.gz', garbage)))).toMatch(/is not valid gzip/);
    const gz = gzipSync(Buffer.from(KINETO_TEXT));
    expect(await userError(openProfile(tmp.write('cut.json.gz', gz.subarray(0, gz.length - 20))))).toMatch(/is not valid gzip/);
  });

  it('zero bytes, missing file, directory, not JSON', async () => {
    expect(await userError(openProfile(tmp.write('zero.json', '')))).toMatch(/is empty \(0 bytes\)/);
    expect(await userError(openProfile(tmp.path('nope.json')))).toMatch(/no such file/);
    expect(await userError(openProfile(resolve(__dirname)))).toMatch(/is a directory/);
    expect(await userError(openProfile(tmp.write('notes.txt', 'hello')), true)).toMatch(/is not a profile Sysight can read/);
    expect(await userError(readTraceFile(tmp.write('bin.json', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))))).toMatch(/bin\.json is not valid JSON/);
  });

  it('JSON past the parse limit, plain or inflating from gzip, is refused with a size message', async () => {
    const big = tmp.write('big.json', KINETO_TEXT);
    expect(await userError(loadText(big, undefined, 100))).toMatch(/big\.json holds \d+ bytes or more of JSON, more than one trace/);
    const bomb = tmp.write('bomb.json.gz', Buffer.alloc(1 << 20, 0x20), true);
    expect(await userError(loadText(bomb, undefined, 1 << 16))).toMatch(/bomb\.json\.gz holds 65537 bytes or more/);
  });

  it('a stray invalid UTF-8 byte in a name costs that character, not the trace', async () => {
    const text = Buffer.from(KINETO_TEXT.replace('void k<1>(int)', 'void k<1>(int)@'));
    text[text.indexOf('@')] = 0xff;
    const m = await openProfile(tmp.write('badbyte.json', text));
    expect(m.strings).toContain('void k<1>(int)\ufffd');
  });

  it('a multi-MB trace cut short or with a corrupt byte in the middle fails with one line naming the byte', async () => {
    const events = Array.from({ length: 40_000 }, (_, i) => ({ ph: 'X', cat: 'kernel', name: 'void k<1>(int)', pid: 0, tid: 7, ts: 1000 + i, dur: 0.5, args: { correlation: i, device: 0, stream: 7 } }));
    const text = Buffer.from(JSON.stringify({ schemaVersion: 1, traceEvents: events }));
    expect(text.length).toBeGreaterThan(4 << 20);
    const cut = text.subarray(0, Math.floor(text.length * 0.7));
    // a plain file is seen to be cut from its last byte, before any reading; one cut just after an event,
    // or a gzip file, is read up to the cut
    expect(await userError(openProfile(tmp.write('cut-big.json', cut)))).toMatch(/cut-big\.json is truncated JSON \(it ends in '.', not the '\}' that closes a trace\): the trace was cut off/);
    const atEvent = text.subarray(0, text.indexOf('},{', Math.floor(text.length * 0.7)) + 1);
    expect(await userError(openProfile(tmp.write('cut-event.json', atEvent)))).toMatch(/cut-event\.json is truncated JSON \(ends inside the event list at byte \d+\): the trace was cut off/);
    expect(await userError(openProfile(tmp.write('cut-big.json.gz', cut, true)))).toMatch(/cut-big\.json\.gz is truncated or corrupt JSON \(the event that begins at byte \d+ does not end before the end of the file at byte \d+\)/);
    // a damaged quote near the end turns the rest into one string: refused at the end, in one line
    const quote = Buffer.from(text);
    quote[quote.indexOf('"name"', Math.floor(quote.length * 0.98)) + 5] = 0x20;
    expect(await userError(openProfile(tmp.write('quote.json', quote)))).toMatch(/quote\.json is truncated or corrupt JSON \(the event that begins at byte \d+ does not end/);
    const bad = Buffer.from(text);
    const at = bad.indexOf('"dur"', Math.floor(bad.length / 2));
    bad[at + 6] = 0x78; // "dur":x.5
    expect(await userError(openProfile(tmp.write('corrupt-big.json', bad)))).toMatch(/corrupt-big\.json is not valid JSON \(.* in an event at byte \d+\)/);
    const gz = gzipSync(text);
    expect(await userError(openProfile(tmp.write('cut-big.gz.json.gz', gz.subarray(0, gz.length >> 1))))).toMatch(/is not valid gzip \(unexpected end of file\)/);
  });

  it('cancel stops a read in the middle of the file', async () => {
    const events = Array.from({ length: 60_000 }, (_, i) => ({ ph: 'X', cat: 'cpu_op', name: 'aten::mm', pid: 1, tid: 1, ts: i, dur: 1 }));
    const p = tmp.write('long.json', { traceEvents: events });
    const ac = new AbortController();
    let progressed = 0;
    const read = readTraceFile(p, { signal: ac.signal, onProgress: (f) => { progressed = f; if (f > 0) ac.abort(); } });
    await expect(read).rejects.toBeInstanceOf(CancelledError);
    expect(progressed).toBeLessThan(0.9);
  });

  it('cancellation is told apart from failure', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(readTraceFile(FIXTURE, { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('sniffing', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  it('claims Kineto objects and legacy lists by first byte and name or content', () => {
    expect(kinetoReader.sniff(enc('  {"schemaVersion": 1'), 'trace')).toBe(true);
    expect(kinetoReader.sniff(enc('{"a": 1}'), 'x.json')).toBe(true);
    expect(kinetoReader.sniff(enc('{"a": 1}'), 'x.yaml')).toBe(false);
    expect(kinetoReader.sniff(gzipSync(enc('{"traceEvents": []}')), 'anything')).toBe(true);
    expect(kinetoReader.sniff(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), 'x.json.gz')).toBe(true);
    expect(kinetoReader.sniff(enc('SQLite format 3\0'), 'x.sqlite')).toBe(false);
    expect(legacyAutogradReader.sniff(enc('[{"name": "aten::mm", "ph": "X"'), 'trace')).toBe(true);
    expect(legacyAutogradReader.sniff(gzipSync(enc('[{"name": "a"}]')), 'x.gz')).toBe(true);
    expect(legacyAutogradReader.sniff(enc('{"traceEvents": []}'), 'x.json')).toBe(false);
    expect(kinetoReader.sniff(enc('[1]'), 'x.json')).toBe(false);
  });
});

describe('fuzz: corrupted and truncated traces never crash the reader', () => {
  const sources: [string, Buffer][] = [
    ['kineto.json', Buffer.from(KINETO_TEXT)],
    ['kineto.json.gz', gzipSync(Buffer.from(KINETO_TEXT))],
    ['legacy.json', readFileSync(FIXTURE).subarray(0, 4000)],
  ];
  const mutation = fc.record({
    source: fc.integer({ min: 0, max: sources.length - 1 }),
    cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    edits: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
  });

  it('resolves to a model or throws UserError, nothing else', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(mutation, async ({ source, cut, edits }) => {
      const [name, original] = sources[source]!;
      let bytes = Buffer.from(original);
      if (cut !== null) bytes = bytes.subarray(0, Math.floor(bytes.length * cut));
      for (const [at, value] of edits) if (bytes.length > 0) bytes[Math.floor(at * bytes.length)] = value;
      const p = tmp.write(`fuzz-${n++}-${name}`, bytes);
      try {
        const m = await openProfile(p);
        expect(m.meta.format === 'kineto-json' || m.meta.format === 'autograd-legacy-json').toBe(true);
        expect(Number.isFinite(m.meta.startNs) && Number.isFinite(m.meta.endNs)).toBe(true);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        expect(e.message).not.toContain('\n');
      }
    }), { numRuns: 300, seed: SEED });
  });
});

describe('fuzz: events of any shape inside a well-formed trace', () => {
  const anyValue = fc.jsonValue({ maxDepth: 2 });
  const event = fc.record({
    ph: fc.oneof(fc.constantFrom('X', 'M', 's', 'f', 'i'), anyValue),
    cat: fc.oneof(fc.constantFrom(...Object.keys(CATEGORY)), anyValue),
    name: fc.oneof(fc.constantFrom('process_name', 'thread_name', 'process_labels', 'cudaStreamSynchronize', 'Memcpy HtoD (Pinned -> Device)', 'a.py(3): f'), anyValue),
    pid: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.string(), anyValue),
    tid: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.string(), anyValue),
    ts: fc.oneof(fc.double({ min: -1e17, max: 1e17, noNaN: true }), fc.string(), anyValue),
    dur: fc.oneof(fc.double({ noNaN: true }), anyValue),
    args: fc.oneof(fc.record({
      device: anyValue, stream: anyValue, correlation: fc.oneof(fc.integer({ min: 0, max: 5 }), anyValue),
      grid: anyValue, block: anyValue, bytes: anyValue, name: anyValue, labels: anyValue, 'Call stack': anyValue,
      cuda_sync_kind: anyValue,
    }, { requiredKeys: [] }), anyValue),
  }, { requiredKeys: [] });
  const top = fc.record({
    traceEvents: fc.array(fc.oneof(event, anyValue), { maxLength: 30 }),
    deviceProperties: anyValue, distributedInfo: fc.oneof(fc.record({ rank: anyValue, world_size: anyValue }), anyValue),
    displayTimeUnit: anyValue, schemaVersion: anyValue,
  }, { requiredKeys: ['traceEvents'] });

  it('traceToModel resolves or throws UserError', () => {
    fc.assert(fc.property(fc.oneof(top, fc.array(event, { maxLength: 30 })), (value) => {
      try {
        const m = traceToModel(value, 'fuzz.json');
        for (const t of [m.kernels, m.runtime, m.memcpy, m.memset, m.sync, m.nvtx, m.cpu]) {
          for (let i = 1; i < t.length; i++) expect(t.start[i]! >= t.start[i - 1]!).toBe(true);
        }
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
      }
    }), { numRuns: 500, seed: SEED });
  });
});
