// "Does this code run on some iterations only?": a call under an if/else (or a conditional expression)
// whose condition depends on the iteration (`it % 10 == 0`, `step > warmup`, the loop variable). A
// condition on a flag (`if compile:`, `get_lr(it) if decay_lr else lr`) runs every iteration or never.
import type { SyntaxNode } from './parser.js';

const ITERATION_NAMES = /%|\b(iter\w*|\w*_iter\w*|step\w*|\w*_step|it|i|epoch\w*|batch_idx|batch_i|\w*_steps?)\b/;

const BOUNDARY = new Set(['for_statement', 'while_statement', 'function_definition', 'module', 'list_comprehension', 'generator_expression', 'set_comprehension', 'dictionary_comprehension']);

function conditionOf(p: SyntaxNode, child: SyntaxNode): SyntaxNode | null {
  if (p.type === 'if_statement') {
    const c = p.childForFieldName('condition');
    return c && c.id !== child.id ? c : null;
  }
  if (p.type === 'elif_clause') return p.childForFieldName('condition');
  if (p.type === 'else_clause') return p.parent?.type === 'if_statement' ? p.parent.childForFieldName('condition') : null;
  if (p.type === 'conditional_expression') {
    const parts = p.namedChildren;
    return parts[1] && parts[1].id !== child.id ? parts[1] : null;
  }
  return null;
}

/**
 * True when `node` sits under an iteration-dependent condition before its innermost loop or function
 * boundary (or before the loop starting at `loopLine`, when given).
 */
export function underIterationCondition(node: SyntaxNode, loopLine?: number): boolean {
  const conds: SyntaxNode[] = [];
  let child: SyntaxNode = node;
  let loop: SyntaxNode | null = null;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (loopLine !== undefined ? (p.type === 'for_statement' || p.type === 'while_statement') && p.startPosition.row === loopLine - 1 : BOUNDARY.has(p.type)) {
      loop = p;
      break;
    }
    const c = conditionOf(p, child);
    if (c) conds.push(c);
  }
  if (!conds.length) return false;
  const target = loop?.type === 'for_statement' ? loop.childForFieldName('left') : null;
  const vars = target ? (target.type === 'identifier' ? [target.text] : target.namedChildren.filter((x) => x?.type === 'identifier').map((x) => x!.text)) : [];
  return conds.some((c) => ITERATION_NAMES.test(c.text) || vars.some((v) => new RegExp(`\\b${v}\\b`).test(c.text)));
}
