// The two readers of PyTorch-profiler traces: Kineto chrome traces (an object with traceEvents, plain or
// gzip) and the legacy autograd-profiler export (a bare JSON list, torch without Kineto). Both stream the
// file through ./scan.ts into ./build.ts: no whole-file string, no whole-file object tree.
import { NotAProfileError, UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import type { ProfileReader, ReadOptions } from '../reader-types.js';
import { CATEGORY, TraceBuilder } from './build.js';
import { parseLegacyTolerant } from './legacy.js';
import { hasJsonName, loadText, sniffHead } from './load.js';
import { finishModel } from './model.js';
import { TraceScanError, TraceScanner, type ScanSink } from './scan.js';
import { forEachChunk, lastChar } from './stream.js';

type Json = Record<string, unknown>;

const TRACE_KEYS = /"(traceEvents|schemaVersion|deviceProperties|displayTimeUnit|distributedInfo|baseTimeNanoseconds)"\s*:/;
const EVENT_KEYS = /"ph"\s*:\s*"[A-Za-z]"/;

export const kinetoReader: ProfileReader = {
  name: 'kineto-json',
  sniff(head, path) {
    const h = sniffHead(head);
    if (h.gzip) return h.first === '{' || (h.first === '' && hasJsonName(path));
    return h.first === '{' && (hasJsonName(path) || TRACE_KEYS.test(h.text));
  },
  read: (path, opts) => readTraceFile(path, opts),
};

export const legacyAutogradReader: ProfileReader = {
  name: 'autograd-legacy-json',
  sniff(head, path) {
    const h = sniffHead(head);
    return h.first === '[' && (hasJsonName(path) || EVENT_KEYS.test(h.text));
  },
  read: (path, opts) => readTraceFile(path, opts),
};

/**
 * Reads a Kineto or legacy autograd-profiler trace file (plain or gzip) as a stream: events go one by one
 * from the tokenizer into the builder, so neither the file's text nor its object tree is ever held whole.
 */
export async function readTraceFile(path: string, opts: ReadOptions = {}): Promise<ProfileModel> {
  opts.onProgress?.(0, 'reading trace');
  const trace = new TraceFacts();
  try {
    // A bare list is a legacy export unless a Kineto category shows up, and a legacy trace tells operators
    // from ranges by the aten names of the whole trace: a first pass over the list sees them (such lists
    // are small: the legacy profiler holds every event in memory while recording).
    let legacy = false;
    let atenNames: string[] = [];
    const list = await isBareList(path, opts.signal);
    const last = await lastChar(path);
    if (last !== undefined && last !== (list ? ']' : '}')) {
      throw new UserError(`${path} is truncated JSON (it ends in '${last}', not the '${list ? ']' : '}'}' that closes a trace): the trace was cut off while being written or copied`);
    }
    if (list) {
      const probe = new ListProbe();
      await scanFile(path, probe, opts, 0, 0.4);
      legacy = !probe.kineto;
      atenNames = [...probe.aten];
    }
    const b = new TraceBuilder({ legacy, ...(opts.signal ? { signal: opts.signal } : {}) });
    for (const name of atenNames) b.noteNames({ name });
    let n = 0;
    const scan = await scanFile(path, {
      member: (key, value) => trace.member(key, value),
      element: (e) => {
        trace.element(e);
        b.addEvent(e, n++);
      },
    }, opts, legacy ? 0.4 : 0, 0.9);
    opts.onProgress?.(0.9, 'building tables');
    trace.eventList = scan.sawEventList;
    const model = finishTrace(b, trace, scan.top === 'list', path);
    opts.onProgress?.(1, 'done');
    return model;
  } catch (e) {
    if (!(e instanceof BadListError)) throw e;
    // torch's legacy export writes names unescaped: a quote in a record_function name breaks the JSON.
    let text: string;
    try {
      text = await loadText(path, opts.signal);
    } catch (x) {
      if (x instanceof UserError) throw e.error; // too big to be a legacy export: the scan's own message
      throw x;
    }
    const events = parseLegacyTolerant(text);
    if (!events) throw e.error;
    return traceToModel(events, path, opts.signal);
  }
}

/** The profile model of a parsed trace value: `{traceEvents: [...]}` (Kineto) or a bare event list (legacy). */
export function traceToModel(value: unknown, source: string, signal?: AbortSignal): ProfileModel {
  const trace = new TraceFacts();
  let events: unknown[];
  if (Array.isArray(value)) {
    events = value;
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'traceEvents' && Array.isArray(v)) trace.eventList = true;
      else trace.member(k, v);
    }
    events = trace.eventList ? (value as Json).traceEvents as unknown[] : [];
  } else {
    events = [];
  }
  for (const e of events) trace.element(e);
  const list = Array.isArray(value);
  const legacy = list && !events.some((e) => isTraceEvent(e) && typeof e.cat === 'string' && e.cat in CATEGORY);
  const b = new TraceBuilder({ legacy, ...(signal ? { signal } : {}) });
  b.addAll(events);
  return finishTrace(b, trace, list, source);
}

/** What the whole trace says besides its events: the other top-level members and counts of the list. */
class TraceFacts {
  readonly top: Json = {};
  eventList = false;
  elements = 0;
  traceEvents = 0;

  member(key: string, value: unknown): void {
    if (key === 'traceEvents') return; // not a list (the list is streamed, never stored)
    Object.defineProperty(this.top, key, { value, enumerable: true, writable: true, configurable: true });
  }

  element(e: unknown): void {
    this.elements++;
    if (isTraceEvent(e)) this.traceEvents++;
  }
}

function finishTrace(b: TraceBuilder, trace: TraceFacts, list: boolean, source: string): ProfileModel {
  if (!list && !trace.eventList) {
    throw new NotAProfileError(`${source} is JSON but not a PyTorch profiler trace (no traceEvents list)`);
  }
  if (trace.elements > 0 && trace.traceEvents === 0) {
    throw new NotAProfileError(`${source} is JSON but not a PyTorch profiler trace (its entries are not trace events)`);
  }
  b.settleTimes();
  const rows = b.kernels.length + b.runtime.length + b.memcpy.length + b.memset.length + b.sync.length + b.nvtx.length + b.cpu.length;
  if (rows === 0) {
    throw new UserError(trace.elements === 0
      ? `${source} has no trace events: the profiler recorded nothing (did the schedule reach an active step?)`
      : `${source} has no profiler events (only ${trace.elements} metadata/flow/instant events)`);
  }
  return finishModel(b, trace.top, source, b.legacy ? 'autograd-legacy-json' : 'kineto-json');
}

/** First pass over a bare list: does any event have a Kineto category, and which aten ops does it name. */
class ListProbe implements ScanSink {
  kineto = false;
  readonly aten = new Set<string>();
  member(): void {}
  element(e: unknown): void {
    if (!isTraceEvent(e)) return;
    if (typeof e.cat === 'string' && e.cat in CATEGORY) this.kineto = true;
    if (typeof e.name === 'string' && e.name.startsWith('aten::')) this.aten.add(e.name);
  }
}

/** A bare list that is not valid JSON: the reader retries it as a legacy export with unescaped names. */
class BadListError extends Error {
  constructor(readonly error: UserError) {
    super(error.message);
  }
}

/** Streams the file through the tokenizer into `sink`; returns the scanner (top-level shape, event list seen). */
async function scanFile(path: string, sink: ScanSink, opts: ReadOptions, from: number, to: number): Promise<TraceScanner> {
  const scanner = new TraceScanner(sink);
  let lastReport = 0;
  try {
    await forEachChunk(path, (chunk, p) => {
      scanner.push(chunk);
      if (opts.onProgress && p.fileBytes - lastReport >= Math.min(16 << 20, p.fileSize / 100)) {
        lastReport = p.fileBytes;
        opts.onProgress(from + ((to - from) * p.fileBytes) / p.fileSize, `reading trace (${Math.round(p.fileBytes / 1e6)} of ${Math.round(p.fileSize / 1e6)} MB)`);
      }
    }, opts.signal);
    scanner.end();
  } catch (e) {
    if (!(e instanceof TraceScanError)) throw e;
    const err = scanErrorMessage(e, path);
    if (scanner.top === 'list' && e.kind === 'invalid') throw new BadListError(err);
    throw err;
  }
  return scanner;
}

function scanErrorMessage(e: TraceScanError, path: string): UserError {
  switch (e.kind) {
    case 'truncated':
      return new UserError(`${path} is truncated JSON (${e.message}): the trace was cut off while being written or copied`);
    case 'unterminated':
      return new UserError(`${path} is truncated or corrupt JSON (${e.message}): the trace was cut off, or a byte in it is damaged`);
    case 'too-large':
      return new UserError(`${path} ${e.message}: not a trace Sysight can read`);
    default:
      return new UserError(`${path} is not valid JSON (${e.message})`);
  }
}

/** Whether the (decompressed) file starts with '[': peeks at the first chunk only. */
async function isBareList(path: string, signal?: AbortSignal): Promise<boolean> {
  let first = '';
  const done = new Error('peeked');
  try {
    await forEachChunk(path, (chunk) => {
      for (let i = 0; i < chunk.length && first === ''; i++) {
        const c = chunk[i]!;
        if (c === 0xef || c === 0xbb || c === 0xbf || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        first = String.fromCharCode(c);
      }
      if (first !== '') throw done;
    }, signal);
  } catch (e) {
    if (e !== done) throw e;
  }
  return first === '[';
}

function isTraceEvent(e: unknown): e is Json {
  return typeof e === 'object' && e !== null && !Array.isArray(e) && typeof (e as Json).ph === 'string';
}
