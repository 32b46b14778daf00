// Callchains (CUDA_CALLCHAINS for runtime calls, OSRT_CALLCHAINS for OS runtime calls) into
// model.callchains: id → frames, innermost first (stackDepth 0 is the innermost frame).
import type { StackFrame } from '../../core/profile.js';
import type { LoadContext } from './context.js';
import { scan } from './scan.js';

export function loadCallchains(ctx: LoadContext, table: string, base: number, into: Map<number, StackFrame[]>): number {
  const { schema } = ctx;
  if (!schema.hasRows(table) || !schema.col(table, 'id') || !schema.col(table, 'symbol')) return 0;
  const order = schema.col(table, 'stackDepth') ? 'id, stackDepth' : 'id';
  const module = schema.col(table, 'module') ? 'COALESCE(module, -1)' : '-1';
  const s = ctx.strings;
  let currentId = Number.NaN;
  let frames: StackFrame[] = [];
  return scan(ctx, `SELECT id, COALESCE(symbol, -1), ${module} FROM ${table} ORDER BY ${order}`, (r) => {
    const id = r.num(0) + base;
    if (id !== currentId) {
      currentId = id;
      frames = into.get(id) ?? [];
      into.set(id, frames);
    }
    const sym = r.num(1);
    const mod = r.num(2);
    const frame: StackFrame = { symbol: sym >= 0 ? s.text(sym) : '' };
    if (mod >= 0) frame.module = s.text(mod);
    frames.push(frame);
  });
}
