// Builds a large Kineto trace from a real one by tiling it in time: copy k of the events is shifted by
// k × (the trace's span + 1 ms), and its correlation ids, External ids and flow ids are moved past those of
// every earlier copy, so each copy's kernels join their own launches. Metadata events and the other
// top-level members are written once. Events are written compact (one JSON.stringify each), so a tiled GB
// holds more events than a GB of torch's indented output would. Streams out: memory is the source trace's.
import { createWriteStream, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

type Json = Record<string, unknown>;

export interface TileStats { bytes: number; copies: number; events: number; source: string }

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ID_ARGS = ['correlation', 'External id', 'external id', 'Ev Idx', 'Python id', 'Python parent id'] as const;

/** Writes a trace of at least `targetBytes` (whole events; the last copy may be partial) to `out`. */
export async function tileTrace(source: string, out: string, targetBytes: number): Promise<TileStats> {
  const raw = readFileSync(source);
  const value = JSON.parse((raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8')) as Json;
  const events = Array.isArray(value.traceEvents) ? (value.traceEvents as unknown[]).filter(isObj) : [];
  const meta = events.filter((e) => e.ph === 'M');
  const timed = events.filter((e) => e.ph !== 'M' && typeof e.ts === 'number');
  let minTs = Infinity;
  let maxEnd = -Infinity;
  const maxId: Record<string, number> = {};
  let maxFlow = 0;
  for (const e of timed) {
    const ts = e.ts as number;
    const dur = typeof e.dur === 'number' ? e.dur : 0;
    minTs = Math.min(minTs, ts);
    maxEnd = Math.max(maxEnd, ts + dur);
    const args = isObj(e.args) ? e.args : {};
    for (const k of ID_ARGS) if (typeof args[k] === 'number') maxId[k] = Math.max(maxId[k] ?? 0, args[k] as number);
    if (typeof e.id === 'number') maxFlow = Math.max(maxFlow, e.id);
  }
  const span = Math.ceil(maxEnd - minTs) + 1000;
  const file = createWriteStream(out);
  let bytes = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  const write = async (s: string): Promise<void> => {
    pending.push(s);
    pendingBytes += s.length;
    bytes += Buffer.byteLength(s);
    if (pendingBytes < 1 << 20) return;
    const ok = file.write(pending.join(''));
    pending = [];
    pendingBytes = 0;
    if (!ok) await new Promise<void>((r) => file.once('drain', () => r()));
  };
  const head: Json = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'traceEvents') head[k] = v;
  const headText = JSON.stringify(head);
  await write(`${headText.length > 2 ? `${headText.slice(0, -1)},` : '{'}"traceEvents":[\n`);
  let first = true;
  let n = 0;
  for (const e of meta) {
    await write(`${first ? '' : ',\n'}${JSON.stringify(e)}`);
    first = false;
    n++;
  }
  let copies = 0;
  for (let k = 0; bytes < targetBytes; k++) {
    copies++;
    for (const e of timed) {
      const c: Json = { ...e, ts: (e.ts as number) + k * span };
      if (isObj(e.args)) {
        const args: Json = { ...e.args };
        for (const key of ID_ARGS) {
          const v = args[key];
          if (typeof v === 'number' && v >= 0) args[key] = v + k * ((maxId[key] ?? 0) + 1);
        }
        c.args = args;
      }
      if (typeof e.id === 'number') c.id = e.id + k * (maxFlow + 1);
      await write(`${first ? '' : ',\n'}${JSON.stringify(c)}`);
      first = false;
      n++;
      if (bytes >= targetBytes) break;
    }
  }
  await write('\n]}\n');
  file.write(pending.join(''));
  await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return { bytes, copies, events: n, source };
}
