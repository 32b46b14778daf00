// Callchains (CUDA_CALLCHAINS for runtime calls, OSRT_CALLCHAINS for OS runtime calls) into
// model.callchains: id → frames, innermost first (stackDepth 0 is the innermost frame); or, when the model's
// tables are streamed to the profile cache, straight into its callchains file (each chain's frames together,
// in id order, as they are read).
import type { StackFrame } from '../../core/profile.js';
import type { LoadContext } from './context.js';
import { scan } from './scan.js';

/** Where the frames go: one call per frame, each chain's frames together, innermost first. */
export type FrameOut = (chainId: number, symbol: string, module: string | undefined) => void;

/** A FrameOut that fills `into`. */
export function framesInto(into: Map<number, StackFrame[]>): FrameOut {
  let currentId = Number.NaN;
  let frames: StackFrame[] = [];
  return (id, symbol, module) => {
    if (id !== currentId) {
      currentId = id;
      frames = into.get(id) ?? [];
      into.set(id, frames);
    }
    frames.push(module === undefined ? { symbol } : { symbol, module });
  };
}

export function loadCallchains(ctx: LoadContext, table: string, base: number, out: FrameOut): number {
  const { schema } = ctx;
  if (!schema.hasRows(table) || !schema.col(table, 'id') || !schema.col(table, 'symbol')) return 0;
  const order = schema.col(table, 'stackDepth') ? 'id, stackDepth' : 'id';
  const module = schema.col(table, 'module') ? 'COALESCE(module, -1)' : '-1';
  const s = ctx.strings;
  return scan(ctx, `SELECT id, COALESCE(symbol, -1), ${module} FROM ${table} ORDER BY ${order}`, (r) => {
    const sym = r.num(1);
    const mod = r.num(2);
    out(r.num(0) + base, sym >= 0 ? s.text(sym) : '', mod >= 0 ? s.text(mod) : undefined);
  });
}
