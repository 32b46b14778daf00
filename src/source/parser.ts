// web-tree-sitter + tree-sitter-python, initialised once per process. The wasm files sit beside the
// bundle in dist/ (the build copies them); from sources (tests) they come from node_modules.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Language, Parser, type Node, type Tree, type TreeCursor } from 'web-tree-sitter';

export type { Node as SyntaxNode, Tree as SyntaxTree };

/** Absolute path of a wasm file Sysight ships: beside the running bundle first, else in node_modules. */
export function locateWasm(name: 'web-tree-sitter.wasm' | 'tree-sitter-python.wasm' | 'sql-wasm.wasm'): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const candidates = [join(here, name), join(here, '..', 'dist', name), join(here, '..', '..', 'dist', name)];
  for (const c of candidates) if (existsSync(c)) return c;
  const req = createRequire(join(process.cwd(), 'package.json'));
  const fromModules: Record<string, () => string> = {
    'web-tree-sitter.wasm': () => join(dirname(req.resolve('web-tree-sitter')), 'web-tree-sitter.wasm'),
    'tree-sitter-python.wasm': () => req.resolve('tree-sitter-python/tree-sitter-python.wasm'),
    'sql-wasm.wasm': () => req.resolve('sql.js/dist/sql-wasm.wasm'),
  };
  try {
    const p = fromModules[name]!();
    if (existsSync(p)) return p;
  } catch {
    // fall through to the error below
  }
  throw new Error(`${name} not found beside the bundle (${here}) nor in node_modules: run \`npm run build\``);
}

let ready: Promise<Parser> | null = null;

/** The shared Python parser (one per process; parsing is synchronous once it is ready). */
export function pythonParser(): Promise<Parser> {
  if (!ready) {
    ready = (async () => {
      const runtime = locateWasm('web-tree-sitter.wasm');
      await Parser.init({ locateFile: () => runtime });
      const lang = await Language.load(locateWasm('tree-sitter-python.wasm'));
      const parser = new Parser();
      parser.setLanguage(lang);
      return parser;
    })();
    ready.catch(() => {
      ready = null;
    });
  }
  return ready;
}

/** Parses Python source; the tree must be deleted by the caller when done (tree.delete()). */
export async function parsePython(source: string): Promise<Tree> {
  const parser = await pythonParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** 1-based line ranges of ERROR and MISSING nodes (empty for a clean parse). */
export function errorLines(tree: Tree): Array<{ line: number; endLine: number }> {
  const out: Array<{ line: number; endLine: number }> = [];
  if (!tree.rootNode.hasError) return out;
  const walk = (n: Node) => {
    if (n.isError || n.isMissing) {
      out.push({ line: n.startPosition.row + 1, endLine: n.endPosition.row + 1 });
      return;
    }
    if (!n.hasError) return;
    for (const c of n.children) if (c) walk(c);
  };
  walk(tree.rootNode);
  return out;
}

/**
 * Depth-first walk with a TreeCursor (much cheaper than materialising every node): `enter` sees each
 * node (named or not) and may return 'skip' to not descend; `leave` runs after its subtree, for every
 * node entered (skipped ones included).
 */
export function walkCursor(
  root: Node,
  enter: (c: TreeCursor) => 'skip' | void,
  leave: (c: TreeCursor) => void,
): void {
  const cursor = root.walk();
  try {
    for (;;) {
      if (enter(cursor) !== 'skip' && cursor.gotoFirstChild()) continue;
      leave(cursor);
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return;
        leave(cursor);
      }
    }
  } finally {
    cursor.delete();
  }
}

/** A node seen by walkScopes: its type, the scope it stands in (`outer`) and the scope its children inherit (`inner`). */
export interface ScopeFrame<S> {
  type: string;
  outer: S;
  inner: S;
}

/**
 * walkCursor that carries a scope (enclosing function, class, loops …) down the tree. `scopeOf` gives a node's scope
 * from its parent's frame — where a child does not simply inherit `parent.inner` (a function's parameters stand in
 * the enclosing scope, its block in its own); the root stands in `top`. `enter` sees each named node with its scope
 * and returns the scope its children inherit (its own scope when it returns none) and whether to skip them.
 * Unnamed nodes (punctuation, keywords) are not entered and have no children to visit.
 */
export function walkScopes<S>(
  root: Node,
  top: S,
  scopeOf: (parent: ScopeFrame<S>, c: TreeCursor) => S,
  enter: (c: TreeCursor, scope: S) => { inner?: S; skip?: boolean } | void,
): void {
  const frames: Array<ScopeFrame<S>> = [];
  walkCursor(
    root,
    (cur) => {
      const parent = frames[frames.length - 1];
      const outer = parent ? scopeOf(parent, cur) : top;
      if (!cur.nodeIsNamed) {
        frames.push({ type: cur.nodeType, outer, inner: outer });
        return 'skip';
      }
      const r = enter(cur, outer);
      frames.push({ type: cur.nodeType, outer, inner: r?.inner ?? outer });
      return r?.skip ? 'skip' : undefined;
    },
    () => {
      frames.pop();
    },
  );
}
