// Message plumbing shared by every webview protocol (dashboard, ranks): a message has a method name and params,
// requests and their responses carry an id; each message type has an `is()` guard that checks its params.

export interface IpcMessage<P = unknown> {
  method: string;
  params: P;
  /** present on requests and their responses */
  id?: number;
}

export type Check<P> = (p: unknown) => p is P;

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

export class IpcType<P> {
  constructor(readonly method: string, private readonly check: Check<P>) {}
  is(msg: unknown): msg is IpcMessage<P> {
    return isObject(msg) && msg.method === this.method && this.check(msg.params);
  }
  make(params: P, id?: number): IpcMessage<P> {
    return id === undefined ? { method: this.method, params } : { method: this.method, params, id };
  }
}

export class RequestType<P, R> extends IpcType<P> {
  /** phantom: the response type */
  declare readonly response?: R;
}

export const anyParams = (_: unknown): _ is unknown => true;
export const obj = <P>(keys: Record<string, 'string' | 'number' | 'boolean' | 'object'>): Check<P> =>
  ((p: unknown) => isObject(p) && Object.entries(keys).every(([k, t]) => typeof p[k] === t && p[k] !== null)) as Check<P>;

/** The answer to a request, with the request's id. */
export interface ResponseParams { ok: boolean; result?: unknown; error?: string }
export const Response = new IpcType<ResponseParams>('response', obj({ ok: 'boolean' }));
