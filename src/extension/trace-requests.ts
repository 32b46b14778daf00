// The host side of the dashboard's trace view, with no `vscode` import (the Chromium test drives it too):
// turns the webview's timeline requests into worker queries (timeline-tiles, slice-details, timeline-search)
// and their answers into response params. The latest request of each kind wins: a new one aborts the one
// before it, which the worker then drops if it has not started, and the superseded request is answered with
// `cancelled`. Sizes are clamped so that one answer stays a screen's worth.
import { isCancelled, oneLine } from '../core/errors.js';
import { SearchRequest, SliceDetailsRequest, TilesRequest } from '../protocol/dashboard.js';
import type { IpcMessage, ResponseParams } from '../protocol/ipc.js';

export type QueryFn = (name: string, args: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>;

/** widest view a tile request may ask for, in pixels */
export const MAX_PIXELS = 8192;
export const MAX_LANES = 256;
export const MAX_HITS = 1000;

export class TraceRequests {
  private readonly latest = new Map<string, AbortController>();

  constructor(private readonly query: QueryFn) {}

  /** The query for a timeline request, or null when the message is not one. */
  static toQuery(m: unknown): { kind: string; name: string; args: Record<string, unknown> } | null {
    if (TilesRequest.is(m)) {
      const { startNs, endNs, pixels } = m.params;
      return { kind: 'tiles', name: 'timeline-tiles', args: { startNs, endNs, pixels: Math.max(1, Math.min(MAX_PIXELS, Math.round(pixels))), limit: MAX_LANES } };
    }
    if (SliceDetailsRequest.is(m)) return { kind: 'details', name: 'slice-details', args: { ...m.params } };
    if (SearchRequest.is(m)) {
      const { query, limit, fromNs } = m.params;
      return { kind: 'search', name: 'timeline-search', args: { query, limit: Math.max(1, Math.min(MAX_HITS, Math.round(limit))), ...(fromNs !== undefined ? { fromNs } : {}) } };
    }
    return null;
  }

  /** Answers a timeline request (the response params to post with its id), or returns null for other messages. */
  handle(m: unknown): Promise<ResponseParams> | null {
    const q = TraceRequests.toQuery(m);
    if (!q) return null;
    this.latest.get(q.kind)?.abort();
    const ac = new AbortController();
    this.latest.set(q.kind, ac);
    return this.query(q.name, q.args, ac.signal).then(
      (result): ResponseParams => ({ ok: true, result }),
      (e: unknown): ResponseParams => ({ ok: false, error: isCancelled(e) ? 'cancelled' : oneLine(e) }),
    ).finally(() => {
      if (this.latest.get(q.kind) === ac) this.latest.delete(q.kind);
    });
  }

  /** Is this message a timeline request (with the id its response needs)? */
  static isRequest(m: unknown): m is IpcMessage & { id: number } {
    return TraceRequests.toQuery(m) !== null && typeof (m as IpcMessage).id === 'number';
  }

  dispose(): void {
    for (const ac of this.latest.values()) ac.abort();
    this.latest.clear();
  }
}
