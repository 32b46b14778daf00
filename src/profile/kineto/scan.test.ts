// The streaming tokenizer: the same events as JSON.parse however the bytes are split into chunks, and a
// one-line error with the byte offset for truncated, corrupt or runaway input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraceScanError, TraceScanner } from './scan.js';

interface Scanned { members: Record<string, unknown>; elements: unknown[]; top: string | undefined; sawEventList: boolean }

function scan(bytes: Uint8Array, cuts: number[] = [], maxValueBytes?: number): Scanned {
  const out: Scanned = { members: {}, elements: [], top: undefined, sawEventList: false };
  const s = new TraceScanner({
    member: (k, v) => { out.members[k] = v; },
    element: (e) => { out.elements.push(e); },
  }, maxValueBytes !== undefined ? { maxValueBytes } : {});
  let at = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length)].sort((a, b) => a - b)) {
    s.push(bytes.subarray(at, c));
    at = c;
  }
  s.push(bytes.subarray(at));
  s.end();
  out.top = s.top;
  out.sawEventList = s.sawEventList;
  return out;
}

function scanError(text: string | Uint8Array, maxValueBytes?: number): TraceScanError {
  try {
    scan(typeof text === 'string' ? Buffer.from(text) : text, [], maxValueBytes);
  } catch (e) {
    expect(e).toBeInstanceOf(TraceScanError);
    expect((e as Error).message).not.toContain('\n');
    return e as TraceScanError;
  }
  throw new Error('expected a TraceScanError');
}

const enc = (s: string): Buffer => Buffer.from(s);

describe('TraceScanner', () => {
  it('gives the members and the events of a trace object, in order', () => {
    const r = scan(enc('\ufeff {"schemaVersion": 1, "traceEvents": [{"ph": "X", "name": "a"}, 7, "s", [1, {"b": "}"}]], "displayTimeUnit": "ms", "x": null}\n'));
    expect(r.top).toBe('object');
    expect(r.sawEventList).toBe(true);
    expect(r.members).toEqual({ schemaVersion: 1, displayTimeUnit: 'ms', x: null });
    expect(r.elements).toEqual([{ ph: 'X', name: 'a' }, 7, 's', [1, { b: '}' }]]);
  });

  it('reads a bare list, an empty list and a traceEvents that is not a list', () => {
    expect(scan(enc('[{"ph":"X"} , {"ph":"M"}]')).elements).toEqual([{ ph: 'X' }, { ph: 'M' }]);
    expect(scan(enc('[]')).elements).toEqual([]);
    const r = scan(enc('{"traceEvents": {"a": 1}}'));
    expect(r.sawEventList).toBe(false);
    expect(r.members).toEqual({ traceEvents: { a: 1 } });
  });

  it('any split of the bytes gives what JSON.parse gives, escapes and UTF-8 included', () => {
    const name = fc.string({ unit: fc.constantFrom('a', '}', '{', '"', '\\', ',', ' ', 'é', '😀', '\n', ']', '[') });
    const event = fc.record({ ph: fc.constantFrom('X', 'M'), name, ts: fc.double({ noNaN: true, noDefaultInfinity: true }), args: fc.dictionary(name, fc.jsonValue({ maxDepth: 2 })) });
    const trace = fc.record({ traceEvents: fc.array(fc.oneof(event, fc.jsonValue({ maxDepth: 2 })), { maxLength: 40 }), other: fc.jsonValue({ maxDepth: 2 }) });
    fc.assert(fc.property(trace, fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (t, cuts, pretty) => {
      const bytes = enc(pretty ? JSON.stringify(t, null, 2) : JSON.stringify(t));
      const expected = JSON.parse(bytes.toString()) as { traceEvents: unknown[]; other: unknown };
      const r = scan(bytes, cuts.map((c) => c % (bytes.length + 1)));
      expect(r.elements).toEqual(expected.traceEvents);
      expect(r.members).toEqual(expected.other === undefined ? {} : { other: expected.other });
    }), { numRuns: 300, seed: 20261206 });
  });

  it('a chunk of one byte at a time', () => {
    const text = JSON.stringify({ traceEvents: [{ name: 'a\\"}{', ph: 'X' }, { name: 'é😀', ph: 'X' }], k: 'v' });
    const bytes = enc(text);
    const r = scan(bytes, Array.from({ length: bytes.length }, (_, i) => i));
    expect(r.elements).toEqual(JSON.parse(text).traceEvents);
  });

  it('the bulk path: thousands of events across chunks of several sizes, "}, {" inside names', () => {
    const events = Array.from({ length: 5000 }, (_, i) => ({ ph: 'X', cat: 'kernel', name: `k${i} }, {"x"`, ts: i, args: { grid: [1, 2, 3], o: { a: '}' } } }));
    const bytes = enc(JSON.stringify({ schemaVersion: 1, traceEvents: events, traceName: 't' }));
    for (const size of [4096, 5003, 65536, 100_000]) {
      const cuts = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => i * size);
      const r = scan(bytes, cuts);
      expect(r.elements).toEqual(events);
      expect(r.members).toEqual({ schemaVersion: 1, traceName: 't' });
    }
  });

  it('truncation anywhere is reported as truncation with the byte offset', () => {
    const text = JSON.stringify({ traceEvents: [{ ph: 'X', name: 'a' }, { ph: 'X', name: 'b' }], z: 1 });
    for (let cut = 1; cut < text.length; cut++) {
      const e = scanError(text.slice(0, cut));
      expect(['truncated', 'unterminated'], text.slice(0, cut)).toContain(e.kind);
      expect(e.message).toMatch(e.kind === 'truncated'
        ? /^ends inside the (event list|top-level object) at byte \d+$/
        : /^the (event|value|member name) that begins at byte \d+ does not end before the end of the file at byte \d+$/);
    }
  });

  it('corrupt bytes: invalid with where; junk after the end; not JSON at all', () => {
    expect(scanError('{"traceEvents": [{"ph": "X"}, {"ph": X}]}').message).toMatch(/in an event at byte 30$/);
    expect(scanError('{"traceEvents": [{"ph": "X"} {"ph": "X"}]}').message).toMatch(/^unexpected '\{' at byte 29 where ',' or '\]' should be$/);
    expect(scanError('{"traceEvents": []} x').message).toMatch(/unexpected data after the end of the JSON at byte 20/);
    expect(scanError('{"a" 1}').message).toMatch(/unexpected '1' at byte 5 where ':' should be/);
    expect(scanError(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])).message).toMatch(/unexpected byte 0xff at byte 1 where a member name should be/);
    expect(scanError('hello').message).toMatch(/unexpected 'h' at byte 0 where a JSON object or list should be/);
    expect(scanError('').kind).toBe('invalid');
  });

  it('a runaway value (an unterminated string) stops at the value limit, not at the end of the file', () => {
    const e = scanError(`{"traceEvents": [{"name": "${'x'.repeat(5000)}`, 1000);
    expect(e.kind).toBe('too-large');
    expect(e.message).toMatch(/one JSON value of more than 1000 bytes starting at byte 17/);
  });
});
