import { describe, expect, it } from 'vitest';
import { CancelledError, UserError } from '../core/errors.js';
import { SearchRequest, SliceDetailsRequest, TilesRequest } from '../protocol/dashboard.js';
import { MAX_PIXELS, TraceRequests } from './trace-requests.js';

/** A query function whose calls wait until the test settles them; aborting rejects like the engine does. */
function fakeQuery() {
  const calls: Array<{ name: string; args: Record<string, unknown>; signal: AbortSignal; resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  const fn = (name: string, args: Record<string, unknown>, signal: AbortSignal) => new Promise<unknown>((resolve, reject) => {
    signal.addEventListener('abort', () => reject(new CancelledError()), { once: true });
    calls.push({ name, args, signal, resolve, reject });
  });
  return { calls, fn };
}

describe('TraceRequests', () => {
  it('maps timeline requests to worker queries with clamped sizes, and ignores other messages', async () => {
    const q = fakeQuery();
    const t = new TraceRequests(q.fn);
    const a = t.handle(TilesRequest.make({ startNs: 0, endNs: 10, pixels: 1e6 }, 1))!;
    const b = t.handle(SliceDetailsRequest.make({ lane: 'gpu0/stream7', timeNs: 5, toleranceNs: 1 }, 2))!;
    const c = t.handle(SearchRequest.make({ query: 'gemm', limit: 50 }, 3))!;
    expect(q.calls.map((x) => [x.name, x.args])).toEqual([
      ['timeline-tiles', { startNs: 0, endNs: 10, pixels: MAX_PIXELS, limit: 256 }],
      ['slice-details', { lane: 'gpu0/stream7', timeNs: 5, toleranceNs: 1 }],
      ['timeline-search', { query: 'gemm', limit: 50 }],
    ]);
    q.calls[0]!.resolve({ lanes: [] });
    q.calls[1]!.reject(new UserError('no slice in lane gpu0/stream7 at 5 ns'));
    q.calls[2]!.resolve({ hits: [] });
    expect(await a).toEqual({ ok: true, result: { lanes: [] } });
    expect(await b).toEqual({ ok: false, error: 'no slice in lane gpu0/stream7 at 5 ns' });
    expect(await c).toEqual({ ok: true, result: { hits: [] } });
    expect(t.handle({ method: 'zoom', params: { startNs: 0, endNs: 1, bins: 4 }, id: 4 })).toBeNull();
    expect(TraceRequests.isRequest(TilesRequest.make({ startNs: 0, endNs: 10, pixels: 5 }))).toBe(false); // no id
  });

  it('lets the latest request of a kind win: the one before is aborted and answered cancelled', async () => {
    const q = fakeQuery();
    const t = new TraceRequests(q.fn);
    const first = t.handle(TilesRequest.make({ startNs: 0, endNs: 10, pixels: 100 }, 1))!;
    const details = t.handle(SliceDetailsRequest.make({ table: 0, row: 3 }, 2))!;
    const second = t.handle(TilesRequest.make({ startNs: 5, endNs: 10, pixels: 100 }, 3))!;
    expect(q.calls.map((c) => c.signal.aborted)).toEqual([true, false, false]);
    expect(await first).toEqual({ ok: false, error: 'cancelled' });
    q.calls[2]!.resolve('tiles');
    q.calls[1]!.resolve('details');
    expect(await second).toEqual({ ok: true, result: 'tiles' });
    expect(await details).toEqual({ ok: true, result: 'details' });
    t.handle(SearchRequest.make({ query: 'x', limit: 1 }, 4));
    t.dispose();
    expect(q.calls[3]!.signal.aborted).toBe(true);
  });
});
