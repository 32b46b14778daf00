// The "load once" codemod, a syntax-tree edit: a method of a class (a Dataset's __getitem__, a batch
// builder) that opens and parses the same file on every call — json/yaml/pickle/csv/np.load/np.memmap/
// pd.read_csv, directly or in a `with open(...)` block — gets the file loaded once at the end of the
// class's __init__ into an attribute, and reads the attribute instead. Only when the path depends on
// nothing the call receives (its arguments, earlier locals) and the loaded object is not modified.
import type { SyntaxNode, SyntaxTree } from '../source/parser.js';
import { indentOf } from './pyedit.js';

export type LoadOnceResult = { lines: string[]; rationale: string } | { refused: string };

export const LOADER = /\b(json\.loads?|yaml\.(safe_|full_|unsafe_)?load|pickle\.loads?|(np|numpy)\.(load|memmap|loadtxt|genfromtxt|fromfile)|(pd|pandas)\.read_(csv|json|parquet|pickle)|csv\.(reader|DictReader)|torch\.load)\s*\(/;
const MUTATES = (name: string) => new RegExp(`\\b${name}\\s*(\\[[^\\]]*\\]\\s*=(?!=)|\\.(append|extend|insert|pop|update|clear|remove|sort|setdefault|add|discard)\\s*\\()|\\bdel\\s+${name}\\b|\\b${name}\\s*[+\\-*/]?=(?!=)`);

/** The statement (a direct child of a function body) holding `row`, and the function. */
function statementAt(tree: SyntaxTree, row: number): { stmt: SyntaxNode; fn: SyntaxNode } | null {
  let n: SyntaxNode | null = tree.rootNode.descendantForPosition({ row, column: Math.max(0, indentLength(tree, row)) });
  while (n) {
    const p: SyntaxNode | null = n.parent;
    if (p && p.type === 'block' && p.parent?.type === 'function_definition') return { stmt: n, fn: p.parent };
    n = p;
  }
  return null;
}

function indentLength(tree: SyntaxTree, row: number): number {
  const line = tree.rootNode.text.split('\n')[row] ?? '';
  return indentOf(line).length;
}

function identifiers(n: SyntaxNode, out = new Set<string>()): Set<string> {
  if (n.type === 'identifier') {
    // `self.x` counts as self; keyword argument names are not values
    if (n.parent?.type === 'attribute' && n.parent.childForFieldName('attribute')?.id === n.id) return out;
    if (n.parent?.type === 'keyword_argument' && n.parent.childForFieldName('name')?.id === n.id) return out;
    out.add(n.text);
  }
  for (const c of n.namedChildren) if (c) identifiers(c, out);
  return out;
}

/** Names the function binds before `before` (parameters, assignments, loop and with targets). */
function localsBefore(fn: SyntaxNode, before: SyntaxNode): Set<string> {
  const out = new Set<string>();
  const params = fn.childForFieldName('parameters');
  if (params) for (const p of identifiers(params)) out.add(p);
  out.delete('self');
  const body = fn.childForFieldName('body');
  const visit = (n: SyntaxNode): void => {
    if (n.startIndex >= before.startIndex) return;
    if (n.type === 'assignment' || n.type === 'augmented_assignment' || n.type === 'for_statement') {
      const left = n.childForFieldName('left');
      if (left) for (const x of identifiers(left)) out.add(x);
    }
    if (n.type === 'as_pattern') {
      const target = n.childForFieldName('alias') ?? n.namedChildren.find((c) => c?.type === 'as_pattern_target') ?? null;
      if (target) for (const x of identifiers(target)) out.add(x);
    }
    for (const c of n.namedChildren) if (c) visit(c);
  };
  if (body) visit(body);
  return out;
}

function classOf(fn: SyntaxNode): SyntaxNode | null {
  const block = fn.parent?.type === 'decorated_definition' ? fn.parent.parent : fn.parent;
  return block?.type === 'block' && block.parent?.type === 'class_definition' ? block.parent : null;
}

function methodNamed(cls: SyntaxNode, name: string): SyntaxNode | null {
  const body = cls.childForFieldName('body');
  for (const c of body?.namedChildren ?? []) {
    const def = c?.type === 'decorated_definition' ? c.childForFieldName('definition') : c;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === name) return def;
  }
  return null;
}

/** `self.labels_path` → "labels"; else the fallback. */
function attributeName(pathExpr: string, fallback: string): string {
  const m = /^self\.(\w+?)_(path|file|filename|fname|fn)$/.exec(pathExpr.trim());
  return m ? m[1]! : fallback;
}

export function loadOnce(text: string, tree: SyntaxTree, index: number): LoadOnceResult {
  const lines = text.split('\n');
  const at = statementAt(tree, index);
  if (!at) return { refused: 'the line is not a statement of a function body' };
  const { fn } = at;
  const stmt = at.stmt;
  const cls = classOf(fn);
  const name = fn.childForFieldName('name')?.text ?? '';
  if (!cls || name === '__init__') return { refused: 'not in a method of a class (load-once moves the load into __init__)' };
  const init = methodNamed(cls, '__init__');
  if (!init) return { refused: `${cls.childForFieldName('name')?.text ?? 'the class'} has no __init__ to load the file in` };
  const selfParam = fn.childForFieldName('parameters')?.namedChildren[0]?.text;
  if (selfParam !== 'self') return { refused: 'the method has no self' };

  // what is loaded: `with open(P) as f:` + assignments, or `NAME = <load call …>`
  let head: string | null = null; // the with line, re-targeted
  const assigns: Array<{ target: string; value: string }> = [];
  let loadExpr: SyntaxNode;
  let replaceCallOnly: SyntaxNode | null = null;
  if (stmt.type === 'with_statement') {
    const items = stmt.namedChildren.find((c) => c?.type === 'with_clause');
    const body = stmt.childForFieldName('body');
    if (!items || !body || items.namedChildren.length !== 1) return { refused: 'the with statement opens more than one thing' };
    const item = items.namedChildren[0]!;
    if (!/^open\s*\(/.test(item.text) || /['"][^'"]*[wax+][^'"]*['"]/.test(item.text.split(' as ')[0]!)) return { refused: 'the with statement does not open a file for reading' };
    for (const s of body.namedChildren) {
      const a = s?.type === 'expression_statement' ? s.namedChildren[0] : null;
      if (!a || a.type !== 'assignment' || a.childForFieldName('left')?.type !== 'identifier') return { refused: `the with block does more than assign what it reads: \`${s?.text.split('\n')[0]}\`` };
      assigns.push({ target: a.childForFieldName('left')!.text, value: a.childForFieldName('right')!.text });
    }
    head = item.text;
    loadExpr = item;
  } else {
    const a = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : null;
    if (!a || a.type !== 'assignment' || a.childForFieldName('left')?.type !== 'identifier') return { refused: 'the line is not `name = <load>`' };
    const right = a.childForFieldName('right')!;
    // the load call itself: the outermost call in the right side whose text starts with a loader
    let call: SyntaxNode | null = null;
    const find = (n: SyntaxNode): void => {
      if (call) return;
      if (n.type === 'call' && LOADER.test(n.text) && LOADER.exec(n.text)!.index === 0) { call = n; return; }
      for (const c of n.namedChildren) if (c) find(c);
    };
    find(right);
    if (!call) return { refused: 'no file load (json/yaml/pickle/csv/np.load/np.memmap/read_csv) on the line' };
    const c: SyntaxNode = call;
    if (c.id === right.id || right.type === 'call' && right.text === c.text) {
      assigns.push({ target: a.childForFieldName('left')!.text, value: right.text });
    } else {
      replaceCallOnly = c;
    }
    loadExpr = c;
  }
  if (/(np|numpy)\.memmap/.test(loadExpr.text) && /mode\s*=\s*['"](w\+|r\+|readwrite|write|c|copyonwrite)['"]/.test(loadExpr.text)) {
    return { refused: 'the memory map is writable: reopening it is part of the semantics' };
  }
  if (!LOADER.test(loadExpr.text) && !assigns.some((x) => LOADER.test(x.value) || /\.read\s*\(/.test(x.value))) {
    return { refused: 'nothing on the line parses a file' };
  }
  const locals = localsBefore(fn, stmt);
  const used = [...identifiers(loadExpr)].filter((x) => locals.has(x));
  if (used.length) return { refused: `the file depends on the call (${used.join(', ')}): it cannot be loaded once` };
  // the attributes the path reads must not change after __init__
  const attrs = [...loadExpr.text.matchAll(/self\.(\w+)/g)].map((m) => m[1]!);
  const clsText = cls.text;
  for (const at2 of attrs) {
    const writes = [...clsText.matchAll(new RegExp(`self\\.${at2}\\s*=(?!=)`, 'g'))].length;
    const inInit = [...init.text.matchAll(new RegExp(`self\\.${at2}\\s*=(?!=)`, 'g'))].length;
    if (writes > inInit) return { refused: `self.${at2} is reassigned outside __init__: the file it names can change` };
  }
  const fnAfter = text.slice(stmt.endIndex, fn.endIndex);
  for (const x of assigns) if (MUTATES(x.target).test(fnAfter)) return { refused: `\`${x.target}\` is modified after it is loaded: loading once would share one object between calls` };

  // names of the new attributes
  const pathArg = /\(\s*([^,)]+)/.exec(loadExpr.text)?.[1] ?? '';
  const taken = (n: string) => new RegExp(`self\\.${n}\\b(?!_)`).test(clsText);
  const fresh = (base: string) => {
    let n = base;
    for (let k = 2; taken(n); k++) n = `${base}_${k}`;
    return n;
  };
  const initBody = init.childForFieldName('body')!;
  const last = initBody.namedChildren[initBody.namedChildren.length - 1]!;
  const ind = indentOf(lines[initBody.startPosition.row]!);
  const insert: string[] = [];
  const uses: string[] = [];
  if (head !== null) {
    const attrsFor = assigns.map((x) => ({ ...x, attr: fresh(x.target) }));
    insert.push(`${ind}with ${head}:`);
    for (const x of attrsFor) insert.push(`${ind}    self.${x.attr} = ${x.value}`);
    const sInd = indentOf(lines[stmt.startPosition.row]!);
    for (const x of attrsFor) uses.push(`${sInd}${x.target} = self.${x.attr}`);
  } else if (replaceCallOnly) {
    const attr = fresh(attributeName(pathArg, 'data'));
    insert.push(`${ind}self.${attr} = ${loadExpr.text}`);
    const row = lines[stmt.startPosition.row]!;
    const s = row.indexOf(loadExpr.text);
    if (s < 0 || loadExpr.startPosition.row !== loadExpr.endPosition.row) return { refused: 'the load call spans several lines' };
    uses.push(row.slice(0, s) + `self.${attr}` + row.slice(s + loadExpr.text.length));
  } else {
    const x = assigns[0]!;
    const attr = fresh(x.target === 'data' ? attributeName(pathArg, x.target) : x.target);
    insert.push(`${ind}self.${attr} = ${x.value}`);
    uses.push(`${indentOf(lines[stmt.startPosition.row]!)}${x.target} = self.${attr}`);
  }
  if (insert.some((l) => l.includes('\n'))) return { refused: 'the load spans several lines' };
  const out = lines.slice();
  // replace the statement (its rows) first: it comes after __init__ in the file or before it; splice the later one first
  const stmtRows: [number, number] = [stmt.startPosition.row, stmt.endPosition.row];
  const initAt = last.endPosition.row + 1;
  const edits = [
    { at: stmtRows[0], del: stmtRows[1] - stmtRows[0] + 1, add: uses },
    { at: initAt, del: 0, add: insert },
  ].sort((a, b) => b.at - a.at);
  for (const e of edits) out.splice(e.at, e.del, ...e.add);
  const what = head !== null ? `\`with ${head}\`` : `\`${loadExpr.text.length > 60 ? `${loadExpr.text.slice(0, 57)}…` : loadExpr.text}\``;
  return {
    lines: out,
    rationale: `${name} opens and parses the same file on every call (${what}); its path depends only on the object. Load it once at the end of __init__ and read the attribute: the same data, one parse instead of one per call.`,
  };
}
