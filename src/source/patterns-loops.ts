// C7: tensors or arrays filled element by element in a Python loop nest on the per-step path.
import type { CatalogueEntry, RawMatch } from './catalogue-types.js';
import { LOOP_TYPES, type ModuleContext } from './context.js';
import type { SyntaxNode } from './parser.js';

const PY_EVIDENCE = [
  { query: 'python' as const, signal: 'CPU time on the loop body lines per iteration', confirmsWhen: 'the loop body is where the step spends its time' },
];

/** Assignments `x[i, j] = …` / `x[i][j] = …` inside `node`. */
function subscriptStores(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const walk = (n: SyntaxNode) => {
    if (n.type === 'assignment' || n.type === 'augmented_assignment') {
      const left = n.childForFieldName('left');
      if (left?.type === 'subscript') out.push(n);
    }
    for (const c of n.namedChildren) if (c) walk(c);
  };
  walk(node);
  return out;
}

function innerLoops(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const walk = (n: SyntaxNode) => {
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (LOOP_TYPES.has(c.type)) out.push(c);
      walk(c);
    }
  };
  const body = node.childForFieldName('body');
  if (body) walk(body);
  return out;
}

export const LOOP_PATTERNS: CatalogueEntry[] = [
  {
    id: 'C7.element-loop', category: 'C7', title: 'tensor filled element by element in a Python loop nest',
    description: 'Nested Python loops that store one element per iteration (`x[b, t] = …`) run B·T interpreter steps (and tensor writes) per batch; one vectorized gather or slice assignment does the same work in C.',
    evidence: PY_EVIDENCE, scope: 'hot',
    match: (ctx: ModuleContext) => {
      const out: RawMatch[] = [];
      for (const l of ctx.loops) {
        if (!LOOP_TYPES.has(l.node.type) || ctx.isWorkloadLoop(l.node)) continue;
        // the outermost loop of the nest inside its function, not a workload (training) loop
        if (l.loops.some((outer) => outer !== l.node && !ctx.isWorkloadLoop(outer))) continue;
        const inner = innerLoops(l.node);
        if (!inner.length) continue;
        const stores = inner.flatMap(subscriptStores);
        if (!stores.length) continue;
        out.push({
          node: l.node, fn: l.fn, loops: [l.node],
          why: `a ${l.node.type === 'for_statement' ? 'for' : 'while'} loop nest fills \`${stores[0]!.childForFieldName('left')!.text}\` one element per iteration`,
        });
      }
      return out;
    },
  },
];
