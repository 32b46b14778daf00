// The two readers of PyTorch-profiler traces: Kineto chrome traces (an object with traceEvents, plain or
// gzip) and the legacy autograd-profiler export (a bare JSON list, torch without Kineto).
import { UserError, throwIfAborted } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import type { OpenOptions, ProfileReader } from '../open.js';
import { CATEGORY, TraceBuilder } from './build.js';
import { parseLegacyTolerant } from './legacy.js';
import { hasJsonName, loadText, parseJsonText, sniffHead } from './load.js';
import { finishModel } from './model.js';

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

/** Reads a Kineto or legacy autograd-profiler trace file (plain or gzip). */
export async function readTraceFile(path: string, opts: OpenOptions = {}): Promise<ProfileModel> {
  opts.onProgress?.(0, 'reading trace');
  const text = await loadText(path, opts.signal);
  opts.onProgress?.(0.3, 'parsing JSON');
  let value: unknown;
  try {
    value = parseJsonText(text, path);
  } catch (e) {
    // torch's legacy export writes names unescaped: a quote in a record_function name breaks the JSON.
    const events = parseLegacyTolerant(text);
    if (!events) throw e;
    value = events;
  }
  throwIfAborted(opts.signal);
  opts.onProgress?.(0.6, 'building tables');
  const model = traceToModel(value, path, opts.signal);
  opts.onProgress?.(1, 'done');
  return model;
}

/** The profile model of a parsed trace value: `{traceEvents: [...]}` (Kineto) or a bare event list (legacy). */
export function traceToModel(value: unknown, source: string, signal?: AbortSignal): ProfileModel {
  let top: Json;
  let events: unknown[];
  if (Array.isArray(value)) {
    top = {};
    events = value;
  } else if (typeof value === 'object' && value !== null && Array.isArray((value as Json).traceEvents)) {
    top = value as Json;
    events = top.traceEvents as unknown[];
  } else {
    throw new UserError(`${source} is JSON but not a PyTorch profiler trace (no traceEvents list)`);
  }
  if (events.length > 0 && !events.some(isTraceEvent)) {
    throw new UserError(`${source} is JSON but not a PyTorch profiler trace (its entries are not trace events)`);
  }
  const kineto = !Array.isArray(value) || events.some((e) => isTraceEvent(e) && typeof e.cat === 'string' && e.cat in CATEGORY);
  const b = new TraceBuilder({ legacy: !kineto, ...(signal ? { signal } : {}) });
  b.findOrigin(events);
  b.addAll(events);
  const rows = b.kernels.length + b.runtime.length + b.memcpy.length + b.memset.length + b.sync.length + b.nvtx.length + b.cpu.length;
  if (rows === 0) {
    throw new UserError(events.length === 0
      ? `${source} has no trace events: the profiler recorded nothing (did the schedule reach an active step?)`
      : `${source} has no profiler events (only ${events.length} metadata/flow/instant events)`);
  }
  return finishModel(b, top, source, kineto ? 'kineto-json' : 'autograd-legacy-json');
}

function isTraceEvent(e: unknown): e is Json {
  return typeof e === 'object' && e !== null && !Array.isArray(e) && typeof (e as Json).ph === 'string';
}
