// The webview side of the host connection: posting commands, awaiting request replies, keeping state.
import type { ViewState, DashboardState } from '../../src/protocol/dashboard.js';
import { type IpcMessage, type IpcType, type RequestType, Response } from '../../src/protocol/ipc.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = acquireVsCodeApi();
let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

export function post<P>(type: IpcType<P>, params: P): void {
  api.postMessage(type.make(params));
}

export function request<P, R>(type: RequestType<P, R>, params: P): Promise<R> {
  const id = nextId++;
  return new Promise<R>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    api.postMessage(type.make(params, id));
  });
}

/** Routes responses to their requests; returns false for messages that are not responses. */
export function handleResponse(msg: unknown): boolean {
  if (!Response.is(msg) || (msg as IpcMessage).id === undefined) return false;
  const p = pending.get((msg as IpcMessage).id!);
  if (!p) return true;
  pending.delete((msg as IpcMessage).id!);
  if (msg.params.ok) p.resolve(msg.params.result);
  else p.reject(new Error(msg.params.error ?? 'request failed'));
  return true;
}

export interface SavedState {
  view: ViewState;
  last: DashboardState | null;
}

export function loadState(): SavedState | null {
  const s = api.getState() as SavedState | undefined;
  return s && typeof s === 'object' && 'view' in s ? s : null;
}

export function saveState(s: SavedState): void {
  api.setState(s);
}
