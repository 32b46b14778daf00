// Lines that do not run every iteration: a match under `if step % N == 0:` (logging, checkpointing, evaluation
// every N steps) inside the loop runs once in N iterations. Without stacks the catalogue cannot tell such a line
// from one that runs every step, so the detectors must not hand it the per-iteration cost of its category.
import type { SyntaxNode } from '../source/parser.js';

/** A condition that holds once every N iterations: `step % N == 0`, `(i + 1) % log_every == 0`, `not step % 100`. */
const PERIODIC_CONDITION = /%\s*[\w.()]+\s*(==|!=)\s*0\b|\bnot\s+\(?[\w.]+\s*%|%\s*[\w.]+\s*==\s*[\w.]+\s*-\s*1\b/;

/**
 * Whether the statement at (line, column) (1-based) sits in the body of an `if` whose condition is periodic,
 * inside the same function. The node is searched from the root of the module's syntax tree.
 */
export function underPeriodicCondition(root: SyntaxNode, line: number, column: number): boolean {
  let n: SyntaxNode | null = root.descendantForPosition({ row: line - 1, column: Math.max(0, column - 1) });
  while (n && n.type !== 'function_definition' && n.type !== 'module') {
    const p: SyntaxNode | null = n.parent;
    if (p && (p.type === 'if_statement' || p.type === 'elif_clause')) {
      const cond = p.childForFieldName('condition');
      if (cond && p.childForFieldName('consequence')?.id === n.id && PERIODIC_CONDITION.test(cond.text)) return true;
    }
    n = p;
  }
  return false;
}
