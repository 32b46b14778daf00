// Small helpers over tree-sitter Python nodes shared by the syntax-tree codemods.
import type { SyntaxNode } from '../source/parser.js';

/** A node's named children without comments (arguments, clauses, statements). */
export const named = (n: SyntaxNode | null | undefined): SyntaxNode[] => n?.namedChildren.filter((x): x is SyntaxNode => !!x && x.type !== 'comment') ?? [];

/** The nearest ancestor of one of the given types, or null. */
export function enclosing(n: SyntaxNode, types: string | ReadonlySet<string>): SyntaxNode | null {
  for (let p = n.parent; p; p = p.parent) if (typeof types === 'string' ? p.type === types : types.has(p.type)) return p;
  return null;
}
